"""What will it cost: 24 months of a plan under wholesale and under direct billing,
at the prices and discount terms in force each day, scheduled changes included
(R15, R37)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from clients.models import Client
from practice import clock
from practice.models import Firm
from subscriptions.models import LIVE, Product, Subscription
from subscriptions.pricing import add_months, charge_between, month_bounds
from subscriptions.schedule import DIRECT, WHOLESALE, Schedule


@dataclass
class CostMonth:
    month: datetime.date
    wholesale: Decimal
    direct: Decimal
    changes: list = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.direct - self.wholesale


def cost_projection(
    *, firm: Firm, client: Client, plan: Product, addons: list[Product], months: int = 24
) -> dict:
    """The next `months` calendar months (from next month) of `plan` + `addons`:
    what the firm pays under wholesale and what the client pays under direct, at
    the prices and discount terms in force each day, scheduled changes included
    (R37); a month with a change lists it in `changes`.

    Direct counts its discount months from the client's current start date when it
    already has a subscription, else from the first month shown."""
    schedule = Schedule.load()
    today = clock.today()
    first, _next = month_bounds(today.year, today.month)
    start_month = add_months(first, 1)
    current = (
        Subscription.objects.filter(firm=firm, client=client, parent__isnull=True, status__in=LIVE)
        .exclude(start_date__isnull=True)
        .first()
    )
    direct_start = current.start_date if current else start_month
    direct_terms = schedule.terms_on(direct_start)
    wholesale_terms = schedule.terms_on(start_month)
    direct_until = add_months(direct_start, direct_terms.direct_months)
    currency = current.currency if current else firm.currency
    products = [plan, *addons]
    end = add_months(start_month, months)
    missing = [
        p.name
        for p in products
        if schedule.price_on(p.pk, currency, start_month) is None
        and schedule.price_on(p.pk, currency, today) is None
    ]
    if missing:
        return {"rows": [], "missing": missing, "currency": currency}

    def segments(arrangement, rate, since, until, start, lo, hi):
        out = []
        for p in products:
            out += schedule.segments(
                product_id=p.pk,
                currency=currency,
                arrangement=arrangement,
                rate=rate,
                rate_since=since,
                discount_until=until,
                starts_on=max(start, lo),
                ends_on=None,
                lo=lo,
                hi=hi,
                label=p.name,
            )
        return out

    changes = _scheduled_changes(schedule, products, currency, start_month, end)
    rows = []
    for i in range(months):
        month = add_months(start_month, i)
        lo, hi = month_bounds(month.year, month.month)
        wholesale = segments(
            WHOLESALE, wholesale_terms.wholesale_rate, start_month, None, start_month, lo, hi
        )
        direct = segments(
            DIRECT, direct_terms.direct_rate, direct_start, direct_until, direct_start, lo, hi
        )
        rows.append(
            CostMonth(
                month=month,
                wholesale=charge_between(wholesale, lo, hi).net_amount,
                direct=charge_between(direct, lo, hi).net_amount,
                changes=[c for c in changes if lo <= c["on"] < hi],
            )
        )
    return {
        "rows": rows,
        "missing": [],
        "currency": currency,
        "policy": wholesale_terms,
        "direct_policy": direct_terms,
        "direct_until": direct_until,
        "changes": changes,
        "total_wholesale": sum((r.wholesale for r in rows), Decimal("0.00")),
        "total_direct": sum((r.direct for r in rows), Decimal("0.00")),
    }


def _scheduled_changes(schedule, products, currency, lo, hi) -> list[dict]:
    """Price and discount-term changes taking effect in [lo, hi), by date."""
    out = []
    for p in products:
        for on, amount in schedule.price_changes(p.pk, currency, clock.today()):
            if lo <= on < hi:
                out.append({"on": on, "product": p.name, "price": amount})
    for terms in schedule.terms_changes(clock.today()):
        if lo <= terms.effective_from < hi:
            out.append({"on": terms.effective_from, "terms": terms})
    return sorted(out, key=lambda c: c["on"])
