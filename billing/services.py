"""Monthly wholesale statements (R21). Amounts follow the single rounding rule
documented in subscriptions.pricing."""

import datetime
import json
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from billing.models import Statement, StatementLine, StatementTotal
from clients.models import Client
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.permissions import require_admin
from subscriptions.models import ChargePeriod, Payer, Price, Product
from subscriptions.pricing import Segment, charge_between, month_bounds, sum_by_currency


def previous_month(day: datetime.date | None = None) -> tuple[int, int]:
    day = day or clock.today()
    first = day.replace(day=1) - datetime.timedelta(days=1)
    return first.year, first.month


def price_table() -> dict[tuple[int, str], Decimal]:
    return {
        (product_id, currency): amount
        for product_id, currency, amount in Price.objects.values_list(
            "product_id", "currency", "monthly_amount"
        )
    }


def segments_for(periods, prices, names) -> list[Segment]:
    segments = []
    for p in periods:
        key = (p["product_id"], p["currency"])
        if key not in prices:
            raise ValueError(f"No {p['currency']} price for {names.get(p['product_id'])}.")
        segments.append(
            Segment(
                starts_on=p["starts_on"],
                ends_on=p["ends_on"],
                monthly_list=prices[key],
                discount_rate=p["discount_rate"],
                discount_until=p["discount_until"],
                label=names.get(p["product_id"], ""),
            )
        )
    return segments


def _label(segments: list[Segment]) -> str:
    labels: list[str] = []
    for seg in segments:
        if not labels or labels[-1] != seg.label:
            labels.append(seg.label)
    return " → ".join(labels)[:200]


PERIOD_FIELDS = (
    "subscription_ref",
    "client_id",
    "client_name",
    "product_id",
    "currency",
    "discount_rate",
    "discount_until",
    "starts_on",
    "ends_on",
)
LINE_FIELDS = (
    "client_id",
    "client_name",
    "subscription_ref",
    "product_label",
    "currency",
    "monthly_list_price",
    "days",
    "days_in_month",
    "list_amount",
    "discount_amount",
    "net_amount",
    "detail",
)


def _insert_lines(statement: Statement, lines: list[dict]) -> None:
    """Write the lines; on PostgreSQL with COPY, which keeps a 100,000-line
    statement within seconds (bulk_create elsewhere)."""
    if connection.vendor != "postgresql":
        StatementLine.objects.bulk_create(
            [
                StatementLine(firm_id=statement.firm_id, statement=statement, **line)
                for line in lines
            ],
            batch_size=2000,
        )
        return
    # pragma: no mutate start (PostgreSQL only; make mutate runs on SQLite)
    columns = ("firm_id", "statement_id", *LINE_FIELDS)
    table = StatementLine._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for line in lines:
            copy.write_row(
                (
                    statement.firm_id,
                    statement.pk,
                    *(line[name] for name in LINE_FIELDS[:-1]),
                    json.dumps(line["detail"]) if line["detail"] else "[]",
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
        .order_by("subscription_ref", "starts_on")
        .values(*PERIOD_FIELDS)
    )
    prices = price_table()
    names = dict(Product.objects.values_list("pk", "name"))
    # Current names of the clients that still exist (the period keeps the name
    # the client had when it opened, for clients deleted since).
    client_names = dict(Client.objects.filter(firm=firm).values_list("pk", "display_name"))
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in periods:
        grouped[row["subscription_ref"]].append(row)

    lines = []
    totals: dict[str, dict[str, Decimal]] = {}
    counts: dict[str, int] = defaultdict(int)
    for ref, rows in grouped.items():
        segments = segments_for(rows, prices, names)
        amounts = charge_between(segments, first, next_first)
        if amounts.days == 0:
            continue
        list_amount, net_amount = amounts.list_amount, amounts.net_amount
        last = rows[-1]
        line = {
            "client_id": last["client_id"],
            "client_name": client_names.get(last["client_id"]) or last["client_name"],
            "subscription_ref": ref,
            "product_label": _label(segments),
            "currency": last["currency"],
            "monthly_list_price": segments[-1].monthly_list,
            "days": amounts.days,
            "days_in_month": amounts.days_in_month,
            "list_amount": list_amount,
            "discount_amount": list_amount - net_amount,
            "net_amount": net_amount,
            "detail": amounts.parts if len(amounts.pieces) > 1 else [],
        }
        lines.append(line)
        counts[line["currency"]] += 1
    totals = sum_by_currency(
        (line["currency"], line["list_amount"], line["discount_amount"], line["net_amount"])
        for line in lines
    )

    try:
        with transaction.atomic():
            statement = Statement.objects.create(firm=firm, month=first, line_count=len(lines))
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
    except IntegrityError:
        return Statement.objects.get(firm=firm, month=first)
    return statement
