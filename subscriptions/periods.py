"""Charge periods: every change that affects money closes the subscription's
open ChargePeriod and opens a new one on the day it takes effect, so statements
prorate by day (R21). Also the client's billing summary kept on Client."""

import datetime

from clients.models import BillingChoice, Client
from subscriptions.models import (
    LIVE,
    Billing,
    ChargePeriod,
    DiscountPolicy,
    Payer,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.pricing import add_months


def discount_terms(billing: str, start: datetime.date) -> tuple:
    """(rate, discount until) of a subscription starting on `start`: the terms in
    force that day (R15, R37)."""
    policy = DiscountPolicy.on(start)
    if billing == Billing.WHOLESALE:
        return policy.wholesale_rate, None
    return policy.direct_rate, add_months(start, policy.direct_months)


def open_period(subscription: Subscription, *, on: datetime.date) -> ChargePeriod:
    return ChargePeriod.objects.create(
        firm_id=subscription.firm_id,
        subscription=subscription,
        subscription_ref=subscription.pk,
        client=subscription.client,
        client_name=subscription.client.display_name,
        product=subscription.product,
        payer=Payer.FIRM if subscription.billing == Billing.WHOLESALE else Payer.CLIENT,
        currency=subscription.currency,
        discount_rate=subscription.discount_rate,
        discount_until=subscription.discount_until,
        rate_since=subscription.rate_since,
        starts_on=on,
    )


def close_period(subscription: Subscription, *, on: datetime.date) -> None:
    open_periods = ChargePeriod.objects.filter(
        firm=subscription.firm_id, subscription=subscription, ends_on__isnull=True
    )
    open_periods.filter(starts_on__gte=on).delete()
    open_periods.update(ends_on=on)


def client_billing_refresh(*, client: Client) -> None:
    """Keep Client.billing and Client.products_summary (shown in the client list)
    in step with the client's live subscriptions."""
    subs = list(
        Subscription.objects.filter(firm=client.firm_id, client=client, status__in=LIVE)
        .select_related("product")
        .order_by("parent_id", "pk")
    )
    plan = next((s for s in subs if s.parent_id is None), None)
    if any(s.billing == Billing.WHOLESALE for s in subs):
        billing = BillingChoice.WHOLESALE
    elif subs:
        billing = BillingChoice.DIRECT
    else:
        billing = BillingChoice.NONE
    names = []
    for s in ([plan] if plan else []) + [s for s in subs if s.parent_id is not None]:
        names.append(s.product.name + (" …" if s.status == SubscriptionStatus.PENDING else ""))
    summary = " + ".join(names)[:200]
    Client.objects.filter(firm=client.firm_id, pk=client.pk).update(
        billing=billing, products_summary=summary
    )
    client.billing, client.products_summary = billing, summary


def to_direct(subscription: Subscription, *, on: datetime.date) -> None:
    policy = DiscountPolicy.on(on)
    close_period(subscription, on=on)
    start = subscription.start_date or on
    subscription.billing = Billing.DIRECT
    subscription.discount_rate = policy.direct_rate
    subscription.discount_until = add_months(start, policy.direct_months)
    subscription.rate_since = on
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.start_date = start
    subscription.save(
        update_fields=[
            "billing",
            "discount_rate",
            "discount_until",
            "rate_since",
            "status",
            "start_date",
        ]
    )
    open_period(subscription, on=on)
