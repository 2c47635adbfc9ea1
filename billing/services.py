"""Monthly wholesale statements (R21). Amounts follow the single rounding rule
documented in billing.pricing."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Statement, StatementLine, StatementTotal
from billing.pricing import Segment, charge_for_month, month_bounds, sum_by_currency
from practice.models import Firm, User
from practice.services import activity_record
from subscriptions.models import ChargePeriod, Payer, Price, Product


def previous_month(day: datetime.date | None = None) -> tuple[int, int]:
    day = day or timezone.localdate()
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


def statement_generate(*, firm: Firm, year: int, month: int, by: User | None = None) -> Statement:
    """Issue the firm's statement for a finished month: one line per subscription
    the firm paid during the month, prorated by day, totals per currency.

    Idempotent: when the month's statement exists it is returned unchanged (the
    database allows one per firm and month, so concurrent runs also end with one)."""
    first, next_first = month_bounds(year, month)
    if next_first > timezone.localdate():
        raise ValidationError(_("A month's statement is issued once the month is over."))
    existing = Statement.objects.filter(firm=firm, month=first).first()
    if existing is not None:
        return existing

    periods = (
        ChargePeriod.objects.filter(firm=firm, payer=Payer.FIRM, starts_on__lt=next_first)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=first))
        .order_by("subscription_ref", "starts_on")
        .values(
            "subscription_ref",
            "client_id",
            "client_name",
            "client__display_name",
            "product_id",
            "currency",
            "discount_rate",
            "discount_until",
            "starts_on",
            "ends_on",
        )
    )
    prices = price_table()
    names = dict(Product.objects.values_list("pk", "name"))
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in periods.iterator(chunk_size=5000):
        grouped[row["subscription_ref"]].append(row)

    lines = []
    for ref, rows in grouped.items():
        segments = segments_for(rows, prices, names)
        amounts = charge_for_month(segments, year, month)
        if amounts.days == 0:
            continue
        last = rows[-1]
        lines.append(
            StatementLine(
                firm=firm,
                client_id=last["client_id"],
                client_name=last["client__display_name"] or last["client_name"],
                subscription_ref=ref,
                product_label=_label(segments),
                currency=last["currency"],
                monthly_list_price=segments[-1].monthly_list,
                days=amounts.days,
                days_in_month=amounts.days_in_month,
                list_amount=amounts.list_amount,
                discount_amount=amounts.discount_amount,
                net_amount=amounts.net_amount,
                detail=amounts.parts if len(amounts.parts) > 1 else [],
            )
        )
    totals = sum_by_currency(
        (line.currency, line.list_amount, line.discount_amount, line.net_amount) for line in lines
    )
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        counts[line.currency] += 1

    try:
        with transaction.atomic():
            statement = Statement.objects.create(firm=firm, month=first, line_count=len(lines))
            for line in lines:
                line.statement = statement
            StatementLine.objects.bulk_create(lines, batch_size=5000)
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
                by=by,
                verb="statement.issued",
                target=statement,
                target_label=f"{first:%Y-%m}",
                changes={c: str(t["net"]) for c, t in sorted(totals.items())},
            )
    except IntegrityError:
        return Statement.objects.get(firm=firm, month=first)
    return statement
