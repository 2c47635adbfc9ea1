"""Monthly wholesale statements (R21). Amounts follow the single rounding rule
documented in subscriptions.pricing."""

import datetime
import json
import re
from collections import defaultdict
from itertools import groupby
from operator import itemgetter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import FilteredRelation, Q
from django.utils.translation import gettext as _

from billing.models import Statement, StatementLine, StatementTotal
from billing.parts import Part, line_parts
from billing.signals import statement_issued
from billing.summary import month_summary
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.permissions import require_admin
from subscriptions.models import ChargePeriod, Payer, Product
from subscriptions.pricing import charge_between, month_bounds, sum_by_currency
from subscriptions.schedule import WHOLESALE, MissingPrice, Schedule


def previous_month(day: datetime.date | None = None) -> tuple[int, int]:
    day = day or clock.today()
    first = day.replace(day=1) - datetime.timedelta(days=1)
    return first.year, first.month


PERIOD_FIELDS = (
    "subscription_ref",
    "client_id",
    "client_name",
    "firm_client__display_name",
    "firm_client__number_row__number",
    "firm_client__company_id",
    "product_id",
    "currency",
    "discount_rate",
    "discount_until",
    "rate_since",
    "starts_on",
    "ends_on",
)
LINE_FIELDS = (
    "client_id",
    "client_name",
    "client_number",
    "company_id",
    "subscription_ref",
    "product_label",
    "kind",
    "currency",
    "monthly_list_price",
    "days",
    "days_in_month",
    "list_amount",
    "discount_amount",
    "net_amount",
    "detail",
)


def _label(parts: list[Part]) -> str:
    labels: list[str] = []
    for part in parts:
        if not labels or labels[-1] != part.label:
            labels.append(part.label)
    return " → ".join(labels)[:200]


def statement_line(
    rows: list[tuple],
    *,
    schedule: Schedule,
    products: dict,
    first,
    next_first,
    cache: dict | None = None,
) -> dict | None:
    """One subscription's line for the month from its firm-paid charge periods
    (tuples of PERIOD_FIELDS, in date order), at the price and rate in force each
    day (R21, R37); None when it has no day in the month.

    The amounts depend only on the periods' product, currency, rate and dates, which
    most subscriptions of a firm share: with a `cache` (one per statement) they are
    worked out once per distinct set of periods, the detail encoded once too."""
    key = tuple(row[6:] for row in rows)
    amounts = cache.get(key, False) if cache is not None else False
    if amounts is False:
        amounts = _line_amounts(
            rows, schedule=schedule, products=products, first=first, next_first=next_first
        )
        if cache is not None:
            cache[key] = amounts
    if amounts is None:
        return None
    last = rows[-1]
    return {
        "client_id": last[1],
        "client_name": last[3] or last[2],
        "client_number": last[4] or "",
        "company_id": last[5] or "",
        "subscription_ref": last[0],
        **amounts,
    }


def _line_amounts(rows, *, schedule: Schedule, products: dict, first, next_first) -> dict | None:
    segments = []
    for row in rows:
        product_id = row[6]
        name, kind = products.get(product_id, ("", ""))
        try:
            segments += schedule.segments(
                product_id=product_id,
                currency=row[7],
                arrangement=WHOLESALE,
                rate=row[8],
                rate_since=row[10],
                discount_until=row[9],
                starts_on=row[11],
                ends_on=row[12],
                lo=first,
                hi=next_first,
                label=name,
                kind=kind,
            )
        except MissingPrice:
            raise ValidationError(
                _("No %(currency)s price for %(product)s: add one in the catalogue.")
                % {"currency": row[7], "product": name}
            ) from None
    amounts = charge_between(segments, first, next_first)
    if amounts.days == 0:
        return None
    parts = line_parts(amounts)
    list_amount, net_amount = amounts.list_amount, amounts.net_amount
    detail = [part.as_json() for part in parts]
    return {
        "product_label": _label(parts),
        "kind": parts[-1].kind,
        "currency": rows[-1][7],
        "monthly_list_price": parts[-1].monthly_list,
        "days": amounts.days,
        "days_in_month": amounts.days_in_month,
        "list_amount": list_amount,
        "discount_amount": list_amount - net_amount,
        "net_amount": net_amount,
        "detail": detail,
    }


# pragma: no mutate start (PostgreSQL only; make mutate runs on SQLite)
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One column of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


# pragma: no mutate end


def _insert_lines(statement: Statement, lines: list[dict]) -> None:
    """Write the lines; on PostgreSQL with COPY, which keeps a 100,000-line
    statement within seconds (bulk_create elsewhere)."""
    if connection.vendor != "postgresql":
        StatementLine.objects.bulk_create(
            [
                StatementLine(
                    firm_id=statement.firm_id,
                    statement=statement,
                    **{name: line[name] for name in LINE_FIELDS},
                )
                for line in lines
            ],
            batch_size=2000,
        )
        return
    # pragma: no mutate start (PostgreSQL only; make mutate runs on SQLite)
    columns = ("firm_id", "statement_id", *LINE_FIELDS)
    table = StatementLine._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    head = f"{statement.firm_id}\t{statement.pk}\t"
    # The amounts' columns as COPY text, once per distinct set of amounts: lines
    # that share their amounts share their detail list (statement_line's cache).
    tails: dict[int, str] = {}

    def tail(line) -> str:
        text = tails.get(id(line["detail"]))
        if text is None:
            text = tails[id(line["detail"])] = "\t".join(
                [
                    *(_copy_text(line[name]) for name in LINE_FIELDS[5:-1]),
                    _copy_text(json.dumps(line["detail"], separators=(",", ":"))),
                ]
            )
        return text

    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for start in range(0, len(lines), 5000):
            copy.write(
                "".join(
                    f"{head}{_copy_text(line['client_id'])}\t{_copy_text(line['client_name'])}"
                    f"\t{_copy_text(line['client_number'])}\t{_copy_text(line['company_id'])}"
                    f"\t{line['subscription_ref']}\t{tail(line)}\n"
                    for line in lines[start : start + 5000]
                )
            )
    # pragma: no mutate end


def statement_generate(
    *, firm: Firm, year: int, month: int, by: Membership | None = None
) -> Statement:
    """Issue the firm's statement for a finished month: one line per subscription
    the firm paid during the month, prorated by day, totals per currency.
    `by` is the admin issuing it early; None is the scheduled run (R2).

    Idempotent: when the month's statement exists it is returned unchanged (the
    database allows one per firm and month, so concurrent runs also end with one)."""
    if by is not None:
        require_admin(by)
        if by.firm_id != firm.pk:
            raise PermissionDenied(_("Only the firm's admins manage billing."))
    first, next_first = month_bounds(year, month)
    if next_first > clock.today():
        raise ValidationError(_("A month's statement is issued once the month is over."))
    existing = Statement.objects.filter(firm=firm, month=first).first()
    if existing is not None:
        return existing

    periods = (
        ChargePeriod.objects.filter(firm=firm, payer=Payer.FIRM, starts_on__lt=next_first)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=first))
        # The firm in the join itself: the database then reads the firm's clients
        # alone, not every client of every firm.
        .annotate(firm_client=FilteredRelation("client", condition=Q(client__firm=firm)))
        .order_by("subscription_ref", "starts_on")
        .values_list(*PERIOD_FIELDS)
    )
    schedule = Schedule.load()
    products = {
        pk: (name, kind) for pk, name, kind in Product.objects.values_list("pk", "name", "kind")
    }
    lines = []
    counts: dict[str, int] = defaultdict(int)
    cache: dict = {}
    # Lines with the same amounts share them, detail included (the cache): the
    # totals add each set of amounts once, times the lines that have it.
    alike: dict[int, list] = {}
    for _ref, group in groupby(periods.iterator(chunk_size=5000), key=itemgetter(0)):
        line = statement_line(
            list(group),
            schedule=schedule,
            products=products,
            first=first,
            next_first=next_first,
            cache=cache,
        )
        if line is not None:
            lines.append(line)
            counts[line["currency"]] += 1
            alike.setdefault(id(line["detail"]), [line, 0])[1] += 1
    totals = sum_by_currency(
        (
            line["currency"],
            line["list_amount"] * n,
            line["discount_amount"] * n,
            line["net_amount"] * n,
        )
        for line, n in alike.values()
    )
    summary = month_summary(
        firm=firm, first=first, next_first=next_first, lines=lines, schedule=schedule
    )

    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                firm=firm, month=first, line_count=len(lines), summary=summary
            )
            _insert_lines(statement, lines)
            StatementTotal.objects.bulk_create(
                [
                    StatementTotal(
                        firm=firm,
                        statement=statement,
                        currency=currency,
                        list_amount=t["list"],
                        discount_amount=t["discount"],
                        net_amount=t["net"],
                        line_count=counts[currency],
                    )
                    for currency, t in sorted(totals.items())
                ]
            )
            activity_record(
                firm=firm,
                by=by.user if by else None,
                verb="statement.issued",
                target=statement,
                target_label=f"{first:%Y-%m}",
                changes={c: str(t["net"]) for c, t in sorted(totals.items())},
            )
            statement_issued.send(sender=Statement, firm=firm, statement=statement)
    except IntegrityError:
        return Statement.objects.get(firm=firm, month=first)
    return statement
