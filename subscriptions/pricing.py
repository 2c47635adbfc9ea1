"""Billing arithmetic, free of the database.

Rounding rule (the only one): every amount is computed exactly as a fraction
(list price × days billed ÷ days in the month × (1 − rate)), then rounded ONCE
per statement line, half up to the cent: the line's prorated list amount and its
net amount are rounded, and its discount is their difference, so that
list − discount = net holds on every line. Totals are plain sums of the rounded
lines and are never rounded again, so a statement's lines always add up to its
totals to the cent.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

CENT = Fraction(1, 100)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """(first day, first day of the next month)."""
    first = datetime.date(year, month, 1)
    return first, add_months(first, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def round_cents(value: Fraction | Decimal) -> Decimal:
    """Half up to the cent (amounts are never negative)."""
    value = Fraction(value)
    if value < 0:
        raise ValueError("Amounts are never negative.")
    cents = (value / CENT + Fraction(1, 2)).__floor__()
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class Segment:
    """Days billed at one list price and discount. `ends_on` and `discount_until`
    are exclusive; None means open-ended (no end / discount for life)."""

    starts_on: datetime.date
    ends_on: datetime.date | None
    monthly_list: Decimal
    discount_rate: Decimal
    discount_until: datetime.date | None = None
    label: str = ""
    kind: str = ""


RATE_SCALE = 10_000  # rates have four decimal places


@lru_cache(maxsize=4096)
def _cents(price: Decimal) -> int:
    cents = Decimal(price) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"A list price has at most two decimal places: {price}")
    return int(cents)


@lru_cache(maxsize=4096)
def _rate_units(rate: Decimal) -> int:
    units = Decimal(rate) * RATE_SCALE
    if units != units.to_integral_value() or not 0 <= units <= RATE_SCALE:
        raise ValueError(f"A discount rate is between 0 and 1, four decimal places: {rate}")
    return int(units)


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass
class LineAmounts:
    """Exact amounts as integer numerators: list = list_num / days_in_month cents,
    net = net_num / (days_in_month × RATE_SCALE) cents."""

    days: int = 0
    days_in_month: int = 0
    list_num: int = 0
    net_num: int = 0
    pieces: list[tuple] = field(default_factory=list)

    @property
    def parts(self) -> list[dict]:
        """The pieces billed, for the statement line's detail."""
        return [
            {
                "label": seg.label,
                "from": lo.isoformat(),
                "to": (hi - datetime.timedelta(days=1)).isoformat(),
                "days": days,
                "monthly_list": str(seg.monthly_list),
                "rate": str(seg.discount_rate) if r else "0",
            }
            for seg, lo, hi, days, r in self.pieces
        ]

    @property
    def list_exact(self) -> Fraction:
        return Fraction(self.list_num, self.days_in_month * 100)

    @property
    def net_exact(self) -> Fraction:
        return Fraction(self.net_num, self.days_in_month * RATE_SCALE * 100)

    @property
    def list_amount(self) -> Decimal:
        return Decimal(_half_up(self.list_num, self.days_in_month)).scaleb(-2)

    @property
    def net_amount(self) -> Decimal:
        return Decimal(_half_up(self.net_num, self.days_in_month * RATE_SCALE)).scaleb(-2)

    @property
    def discount_amount(self) -> Decimal:
        return self.list_amount - self.net_amount


def _overlap(start, end, lo, hi) -> tuple[datetime.date, datetime.date] | None:
    a = max(start, lo)
    b = min(end or hi, hi)
    return (a, b) if a < b else None


def charge_for_month(segments: list[Segment], year: int, month: int) -> LineAmounts:
    """Exact amounts for one month: each segment's days in the month, split at the
    day its discount ends, priced at monthly list × days ÷ days in the month."""
    first, next_first = month_bounds(year, month)
    return charge_between(segments, first, next_first)


def charge_between(
    segments: list[Segment], first: datetime.date, next_first: datetime.date
) -> LineAmounts:
    """charge_for_month with the month's bounds given (statements reuse them)."""
    result = LineAmounts(days_in_month=(next_first - first).days)
    for seg in segments:
        window = _overlap(seg.starts_on, seg.ends_on, first, next_first)
        if window is None:
            continue
        a, b = window
        price = _cents(seg.monthly_list)
        rate = _rate_units(seg.discount_rate)
        split = seg.discount_until
        if split is None or split >= b:
            pieces = ((a, b, rate),)
        elif split <= a:
            pieces = ((a, b, 0),)
        else:
            pieces = ((a, split, rate), (split, b, 0))
        for lo, hi, r in pieces:
            days = (hi - lo).days
            result.days += days
            result.list_num += price * days
            result.net_num += price * days * (RATE_SCALE - r)
            result.pieces.append((seg, lo, hi, days, r))
    return result


def sum_by_currency(lines) -> dict[str, dict[str, Decimal]]:
    """Per-currency totals of rounded lines: {"EUR": {"list":…, "discount":…, "net":…}}."""
    totals: dict[str, dict[str, Decimal]] = {}
    for currency, list_amount, discount, net in lines:
        t = totals.setdefault(
            currency,
            {"list": Decimal("0.00"), "discount": Decimal("0.00"), "net": Decimal("0.00")},
        )
        t["list"] += list_amount
        t["discount"] += discount
        t["net"] += net
    return totals
