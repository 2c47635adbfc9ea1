"""Demo subscriptions: about half of the firm's first clients get a plan, cycling
through wholesale ones (with split billing and past upgrades) and direct ones,
started months ago so that last month's statement, issued by billing's demo, has
lines."""

from django.db import transaction

from clients.models import Client
from practice import clock
from practice.models import Firm
from subscriptions import periods
from subscriptions.models import (
    Billing,
    ChangeKind,
    ClientUsage,
    DiscountPolicy,
    Feature,
    PlanChange,
    Product,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.pricing import add_months
from subscriptions.selectors import billing_profile_missing

# (plan, billing, months ago, add-on and its payer or None, earlier plan or None)
PLAN = [
    ("plus", Billing.WHOLESALE, 14, ("payroll", Billing.DIRECT), None),
    ("essentials", Billing.WHOLESALE, 5, None, "simple_start"),
    ("advanced", Billing.WHOLESALE, 3, ("time", Billing.WHOLESALE), None),
    ("simple_start", Billing.WHOLESALE, 2, None, None),
    ("essentials", Billing.DIRECT, 4, None, None),
    ("plus", Billing.DIRECT, 15, None, None),
]

DEMO_SUBSCRIBERS = 150


def _subscription(firm, client, product, billing, start, parent=None, by=None):
    policy = DiscountPolicy.current()
    wholesale = billing == Billing.WHOLESALE
    sub = Subscription.objects.create(
        firm=firm,
        client=client,
        product=product,
        parent=parent,
        billing=billing,
        status=SubscriptionStatus.ACTIVE,
        currency=firm.currency,
        discount_rate=policy.wholesale_rate if wholesale else policy.direct_rate,
        discount_until=None if wholesale else add_months(start, policy.direct_months),
        start_date=start,
        created_by=by,
    )
    periods.open_period(sub, on=start)
    return sub


@transaction.atomic
def load(*, firm: Firm, by) -> None:
    user = getattr(by, "user", by)
    clients = list(Client.objects.filter(firm=firm).order_by("pk")[:DEMO_SUBSCRIBERS])
    products = {p.code: p for p in Product.objects.all()}
    today = clock.today()
    for index, client in enumerate(clients):
        code, billing, months, addon, earlier = PLAN[index % len(PLAN)]
        months += index % 7
        if Subscription.objects.filter(firm=firm, client=client).exists():
            continue
        start = add_months(today.replace(day=1), -months)
        product = products[earlier or code]
        sub = _subscription(firm, client, product, billing, start, by=user)
        if earlier:
            on = add_months(start, 2)
            periods.close_period(sub, on=on)
            sub.product = products[code]
            sub.save(update_fields=["product"])
            periods.open_period(sub, on=on)
            PlanChange.objects.create(
                firm=firm,
                subscription=sub,
                kind=ChangeKind.UPGRADE,
                from_product=product,
                to_product=products[code],
                effective_on=on,
                changed_by=user,
            )
        if addon:
            _subscription(firm, client, products[addon[0]], addon[1], start, parent=sub, by=user)
        usage, _created = ClientUsage.objects.get_or_create(
            firm=firm, client=client, defaults={"users": 2 if code != "simple_start" else 1}
        )
        if code == "plus":
            usage.features.set(
                Feature.objects.filter(code__in=["multicurrency", "bills"]),
                through_defaults={"firm": firm},
            )
        periods.client_billing_refresh(client=client)
    if billing_profile_missing(firm=firm):
        _pending_enrolment(firm, by=user)


def _pending_enrolment(firm: Firm, *, by) -> None:
    """One client enrolled in wholesale billing that stays pending while the firm's
    billing profile is incomplete (R16): the demo shows that a pending subscription
    can't be upgraded yet."""
    if Subscription.objects.filter(firm=firm, status=SubscriptionStatus.PENDING).exists():
        return
    client = (
        Client.objects.filter(firm=firm, subscriptions__isnull=True, status="active")
        .order_by("pk")
        .first()
    )
    if client is None:
        return
    policy = DiscountPolicy.current()
    Subscription.objects.create(
        firm=firm,
        client=client,
        product=Product.objects.get(code="essentials"),
        billing=Billing.WHOLESALE,
        status=SubscriptionStatus.PENDING,
        currency=firm.currency,
        discount_rate=policy.wholesale_rate,
        created_by=by,
    )
    periods.client_billing_refresh(client=client)


def pending_names(*, firm: Firm) -> list[str]:
    """The clients whose wholesale enrolment is pending (printed with the demo sign-ins)."""
    return list(
        Subscription.objects.filter(
            firm=firm, billing=Billing.WHOLESALE, status=SubscriptionStatus.PENDING
        ).values_list("client__display_name", flat=True)
    )
