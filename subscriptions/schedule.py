"""Prices and discount rates in force each day (R37, R38).

A product's list price on a day is its Price row in force that day (the latest
`effective_from` on or before it). A subscription's discount rate is the rate it
got when its rate was set (`rate_since`: its start, a change of billing, or its
arrival with a kept rate, R38), until discount terms dated after that day take
effect: from then on it has their rate for its arrangement (wholesale when the
firm pays, direct when the client does). Charge periods are cut at each such
date, so a statement line shows one part per price and rate, split on the day
the change takes effect."""

import bisect
import datetime
from dataclasses import dataclass
from decimal import Decimal

from subscriptions.models import CATALOGUE_START, DiscountPolicy, Price
from subscriptions.pricing import Segment

WHOLESALE = "wholesale"
DIRECT = "direct"


@dataclass(frozen=True)
class Terms:
    effective_from: datetime.date
    wholesale_rate: Decimal
    direct_rate: Decimal
    direct_months: int

    def rate(self, arrangement: str) -> Decimal:
        return self.wholesale_rate if arrangement == WHOLESALE else self.direct_rate


class MissingPrice(ValueError):
    pass


class Schedule:
    """The catalogue's dated prices and terms, loaded once (`Schedule.load()`),
    answering for any day without further queries."""

    def __init__(self, prices: dict[tuple[int, str], list[tuple[datetime.date, Decimal]]], terms):
        self.prices = {key: sorted(rows) for key, rows in prices.items()}
        self._price_dates = {key: [d for d, _a in rows] for key, rows in self.prices.items()}
        self.terms: list[Terms] = sorted(terms, key=lambda t: t.effective_from)
        self._terms_dates = [t.effective_from for t in self.terms]

    @classmethod
    def load(cls) -> "Schedule":
        prices: dict[tuple[int, str], list] = {}
        for product_id, currency, amount, since in Price.objects.values_list(
            "product_id", "currency", "monthly_amount", "effective_from"
        ):
            prices.setdefault((product_id, currency), []).append((since, amount))
        terms = [
            Terms(p.effective_from, p.wholesale_rate, p.direct_rate, p.direct_months)
            for p in DiscountPolicy.objects.all()
        ]
        return cls(prices, terms)

    # Prices --------------------------------------------------------------------

    def price_on(self, product_id: int, currency: str, day: datetime.date) -> Decimal | None:
        rows = self.prices.get((product_id, currency))
        if not rows:
            return None
        i = bisect.bisect_right(self._price_dates[(product_id, currency)], day) - 1
        return rows[i][1] if i >= 0 else None

    def price_changes(
        self, product_id: int, currency: str, after: datetime.date
    ) -> list[tuple[datetime.date, Decimal]]:
        """Scheduled prices taking effect after `after`."""
        return [row for row in self.prices.get((product_id, currency), []) if row[0] > after]

    def _price_pieces(self, product_id, currency, lo, hi) -> list[tuple]:
        rows = self.prices.get((product_id, currency))
        if not rows:
            raise MissingPrice(f"No {currency} price for product {product_id}.")
        dates = self._price_dates[(product_id, currency)]
        i = bisect.bisect_right(dates, lo) - 1
        if i < 0:
            raise MissingPrice(f"No {currency} price for product {product_id} on {lo}.")
        pieces = []
        start = lo
        while True:
            nxt = dates[i + 1] if i + 1 < len(dates) else None
            if nxt is None or nxt >= hi:
                pieces.append((start, hi, rows[i][1]))
                return pieces
            pieces.append((start, nxt, rows[i][1]))
            start, i = nxt, i + 1

    # Discount terms -----------------------------------------------------------

    def terms_on(self, day: datetime.date) -> Terms:
        i = bisect.bisect_right(self._terms_dates, day) - 1
        return self.terms[max(i, 0)]

    def terms_changes(self, after: datetime.date) -> list[Terms]:
        """Terms taking effect after `after`."""
        i = bisect.bisect_right(self._terms_dates, after)
        return self.terms[i:]

    def _rate_pieces(self, arrangement, rate, rate_since, lo, hi) -> list[tuple]:
        since = rate_since or CATALOGUE_START
        i = bisect.bisect_right(self._terms_dates, max(since, lo))
        # Terms dated after the rate was set and on or before `lo` already apply.
        applied = [t for t in self.terms[:i] if t.effective_from > since]
        current = applied[-1].rate(arrangement) if applied else rate
        pieces = []
        start = lo
        for terms in self.terms[i:]:
            if terms.effective_from >= hi:
                break
            pieces.append((start, terms.effective_from, current))
            start, current = terms.effective_from, terms.rate(arrangement)
        pieces.append((start, hi, current))
        return pieces

    # Both --------------------------------------------------------------------

    def segments(
        self,
        *,
        product_id: int,
        currency: str,
        arrangement: str,
        rate: Decimal,
        rate_since: datetime.date | None,
        discount_until: datetime.date | None,
        starts_on: datetime.date,
        ends_on: datetime.date | None,
        lo: datetime.date,
        hi: datetime.date,
        label: str = "",
        kind: str = "",
    ) -> list[Segment]:
        """The days of one charge period within [lo, hi), cut wherever the price
        or the rate in force changes; empty when the period misses the window."""
        a = max(starts_on, lo)
        b = min(ends_on or hi, hi)
        if a >= b:
            return []
        prices = self._price_pieces(product_id, currency, a, b)
        rates = self._rate_pieces(arrangement, rate, rate_since, a, b)
        if len(prices) == 1 and len(rates) == 1:
            return [Segment(a, b, prices[0][2], rates[0][2], discount_until, label, kind)]
        cuts = sorted({p[0] for p in prices} | {r[0] for r in rates} | {b})
        out = []
        for start, end in zip(cuts, cuts[1:], strict=False):
            price = next(p[2] for p in prices if p[0] <= start < p[1])
            rate_now = next(r[2] for r in rates if r[0] <= start < r[1])
            out.append(Segment(start, end, price, rate_now, discount_until, label, kind))
        return out

    def rate_on(
        self,
        *,
        arrangement: str,
        rate: Decimal,
        rate_since: datetime.date | None,
        day: datetime.date,
    ) -> Decimal:
        """A subscription's discount rate on `day` (before any discount end)."""
        return self._rate_pieces(arrangement, rate, rate_since, day, day + datetime.timedelta(1))[
            0
        ][2]
