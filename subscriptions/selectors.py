"""Reads for subscriptions. `client_has_wholesale`, `plan_choices_for_new_client`
and `client_products` are the interface the clients app relies on."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from clients.access import can_reach, clients_for_billing
from clients.models import BillingChoice, Client
from clients.search import name_contains, search_text
from practice import clock
from practice.models import BillingProfile, Firm, Membership
from practice.templatetags.money import format_money
from practice.tenancy import get_in_firm_or_404, scopes_disabled
from subscriptions import rules
from subscriptions.models import (
    LIVE,
    AppSetup,
    Billing,
    ClientUsage,
    DiscountPolicy,
    Feature,
    PlanChange,
    Product,
    ProductKind,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.pricing import (
    Segment,
    charge_for_month,
    round_cents,
)


def client_has_wholesale(*, client: Client) -> bool:
    """True while any of the client's subscriptions is billed to the firm (wholesale).
    R12: such a client can't be deleted."""
    return (
        Subscription.objects.filter(
            firm=client.firm_id, client=client, billing=Billing.WHOLESALE, status__in=LIVE
        )
        .only("pk")
        .exists()
    )


def access_subscription_by_id(
    *, firm: Firm, subscription_id, membership: Membership | None = None
) -> Subscription:
    """One of the firm's subscriptions; Http404 alike for a missing one, another
    firm's, and (given `membership`) one of a client the member may not reach (R31)."""
    subscription = get_in_firm_or_404(
        Subscription.objects.select_related("client__number_row", "product"),
        firm=firm,
        pk=subscription_id,
    )
    if membership is not None and not can_reach(membership=membership, client=subscription.client):
        raise Http404("No such object.")
    return subscription


def live_plan(client: Client) -> Subscription | None:
    """The client's plan that has not been cancelled (at most one)."""
    return (
        Subscription.objects.filter(
            firm=client.firm_id, client=client, parent__isnull=True, status__in=LIVE
        )
        .select_related("product")
        .first()
    )


def billing_profile_missing(*, firm: Firm) -> list[str] | None:
    """Missing fields of the firm's billing profile; None when it has none."""
    profile = BillingProfile.objects.filter(firm=firm).first()
    return None if profile is None else profile.missing_fields


def pending_wholesale_count(*, membership: Membership) -> int:
    """Wholesale subscriptions waiting for their enrolment (R16), of the clients the
    member sees on the billing tab."""
    return Subscription.objects.filter(
        firm=membership.firm_id,
        billing=Billing.WHOLESALE,
        status=SubscriptionStatus.PENDING,
        client__in=clients_for_billing(membership=membership).values("pk"),
    ).count()


def first_plan() -> Product | None:
    """The first plan offered, in the catalogue's order."""
    return (
        Product.objects.filter(kind=ProductKind.PLAN, is_active=True).order_by("sort_order").first()
    )


def pending_enrolments(*, limit: int) -> list[tuple[int, int]]:
    """(firm id, subscription id) of wholesale subscriptions waiting for their
    enrolment, across all firms (the beat's sweep)."""
    with scopes_disabled():
        return list(
            Subscription.objects.filter(
                status=SubscriptionStatus.PENDING, billing=Billing.WHOLESALE
            ).values_list("firm_id", "pk")[:limit]
        )


def catalogue(*, kind: str | None = None) -> list[Product]:
    qs = Product.objects.filter(is_active=True).prefetch_related("features", "prices")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("kind", "sort_order", "name"))


def price_of(product: Product, currency: str, day: datetime.date | None = None) -> Decimal | None:
    """Monthly list price in force on `day` (today), from prefetched prices when
    available (R37)."""
    day = day or clock.today()
    best = None
    for price in product.prices.all():
        if (
            price.currency == currency
            and price.effective_from <= day
            and (best is None or price.effective_from > best.effective_from)
        ):
            best = price
    return best.monthly_amount if best else None


def upcoming_prices(product: Product, currency: str) -> list:
    """Scheduled prices of `product` not yet in force, soonest first (R37)."""
    today = clock.today()
    return sorted(
        (p for p in product.prices.all() if p.currency == currency and p.effective_from > today),
        key=lambda p: p.effective_from,
    )


def upcoming_terms() -> list[DiscountPolicy]:
    """Discount terms scheduled after today, soonest first (R37)."""
    return list(DiscountPolicy.objects.filter(effective_from__gt=clock.today()))


def plan_choices_for_new_client(*, firm) -> list[tuple[str, str]]:
    """(plan code, label) pairs offered by the add-client form."""
    choices = []
    for product in catalogue(kind=ProductKind.PLAN):
        price = price_of(product, firm.currency)
        label = product.name
        if price is not None:
            label = _("%(plan)s (%(price)s per month, list price)") % {
                "plan": product.name,
                "price": format_money(price, firm.currency),
            }
        choices.append((product.code, label))
    return choices


@dataclass
class ComparisonRow:
    product: Product
    list_price: Decimal | None
    wholesale_price: Decimal | None
    direct_price: Decimal | None
    features: set = field(default_factory=set)
    upcoming: list = field(default_factory=list)


def plan_comparison(*, firm: Firm) -> dict:
    """Plans side by side: prices under each arrangement, users and features."""
    policy = DiscountPolicy.current()
    plans = catalogue(kind=ProductKind.PLAN)
    addons = catalogue(kind=ProductKind.ADDON)
    features = list(Feature.objects.order_by("name"))

    def row(product):
        price = price_of(product, firm.currency)
        return ComparisonRow(
            product=product,
            list_price=price,
            wholesale_price=discounted(price, policy.wholesale_rate),
            direct_price=discounted(price, policy.direct_rate),
            features={f.pk for f in product.features.all()},
            upcoming=upcoming_prices(product, firm.currency),
        )

    return {
        "plans": [row(p) for p in plans],
        "addons": [row(p) for p in addons],
        "features": features,
        "policy": policy,
        "upcoming_terms": upcoming_terms(),
        "currency": firm.currency,
    }


def discounted(price: Decimal | None, rate: Decimal) -> Decimal | None:
    """The monthly price at `rate` off, to the cent."""
    if price is None:
        return None
    return round_cents(price * (1 - rate))


def client_usage(*, client: Client) -> ClientUsage | None:
    return (
        ClientUsage.objects.filter(firm=client.firm_id, client=client)
        .prefetch_related("features")
        .first()
    )


def _subscription_queryset(firm_id) -> QuerySet[Subscription]:
    return Subscription.objects.filter(firm=firm_id).select_related("product", "client")


def _segment(sub: Subscription, price: Decimal, start: datetime.date) -> Segment:
    return Segment(
        starts_on=start,
        ends_on=None,
        monthly_list=price,
        discount_rate=sub.discount_rate,
        discount_until=sub.discount_until,
        label=sub.product.name,
    )


def _decorate(sub: Subscription, today: datetime.date) -> Subscription:
    """Attach prices and, for subscriptions the client pays, its own charge."""
    price = price_of(sub.product, sub.currency)
    sub.list_price = price
    sub.discounted_price = discounted(price, sub.discount_rate)
    sub.client_charge_this_month = None
    if price is not None and sub.billing == Billing.DIRECT and sub.status == "active":
        amounts = charge_for_month(
            [_segment(sub, price, sub.start_date or today)], today.year, today.month
        )
        sub.client_charge_this_month = amounts.net_amount
        sub.discount_active = sub.discount_until is None or today < sub.discount_until
    return sub


def client_products(*, client: Client) -> list:
    """The client's plan subscriptions (live first, then cancelled ones), each with
    `.addon_list` (and who pays each), prices, the client's own monthly charge for
    direct subscriptions (`client_charge_this_month`, discount until
    `discount_until`, list price from then on) and `.history` (plan changes)."""
    today = clock.today()
    subs = list(
        _subscription_queryset(client.firm_id)
        .filter(client=client)
        .prefetch_related(
            "product__prices",
            Prefetch(
                "plan_changes",
                queryset=PlanChange.objects.select_related(
                    "from_product", "to_product", "changed_by"
                ),
            ),
        )
        .order_by("pk")
    )
    plans = [s for s in subs if s.parent_id is None]
    for plan in plans:
        _decorate(plan, today)
        plan.addon_list = [_decorate(s, today) for s in subs if s.parent_id == plan.pk]
        plan.history = list(plan.plan_changes.all())
    plans.sort(key=lambda s: (s.status == SubscriptionStatus.CANCELLED, -s.pk))
    return plans


def client_can_subscribe(*, client: Client) -> bool:
    """R5: a client with no live plan can take a direct subscription later."""
    return not Subscription.objects.filter(
        firm=client.firm_id, client=client, parent__isnull=True, status__in=LIVE
    ).exists()


# Accountant-billed subscriptions (R17) --------------------------------------


def wholesale_clients(*, membership: Membership, q: str = "") -> QuerySet[Client]:
    """The clients on wholesale billing the member sees there (R17, R31), searchable
    by name or client number. Uses Client.billing, kept up to date by the services."""
    qs = (
        clients_for_billing(membership=membership)
        .filter(billing=BillingChoice.WHOLESALE)
        .select_related("lead_accountant__user")
    )
    q = search_text(q)
    if q:
        condition = Q(client_number__iexact=q)
        name = name_contains(firm_id=membership.firm_id, text=q)
        qs = qs.filter(condition if name is None else condition | name)
    return qs.order_by("search_name", "pk")


@dataclass
class Action:
    key: str
    label: str
    url: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return not self.reason


def _targets(sub: Subscription, direction: str, plans: list[Product]) -> list[Product]:
    tier = sub.product.tier
    if tier is None:
        return []
    if direction == rules.UPGRADE:
        return [p for p in plans if p.tier is not None and p.tier > tier]
    return [p for p in plans if p.tier is not None and p.tier < tier]


def move_options(
    *,
    subscription: Subscription,
    direction: str,
    usage: ClientUsage | None,
    billing_profile_missing: list[str] | None,
    plans: list[Product] | None = None,
) -> list[tuple[Product, list[str]]]:
    """Each plan above (or below) the current one, with the reasons it is refused."""
    plans = plans if plans is not None else catalogue(kind=ProductKind.PLAN)
    return [
        (
            target,
            rules.move_blockers(
                subscription=subscription,
                target=target,
                direction=direction,
                usage=usage,
                billing_profile_missing=billing_profile_missing,
            ),
        )
        for target in _targets(subscription, direction, plans)
    ]


def _menu_reason(sub, direction, options) -> str:
    state = rules.state_blockers(sub)
    if state:
        return state[0]
    if sub.product.family == "self_employed":
        return rules.family_blockers(sub.product, sub.product)[0]
    if not options:
        return (
            _("%(plan)s is the highest plan.")
            if direction == rules.UPGRADE
            else _("%(plan)s is the lowest plan.")
        ) % {"plan": sub.product.name}
    if any(not reasons for _t, reasons in options):
        return ""
    # Every target is refused: say why for the nearest one.
    nearest = options[0] if direction == rules.UPGRADE else options[-1]
    return " ".join(nearest[1])


def subscription_actions(
    *,
    firm: Firm,
    subscription: Subscription,
    membership: Membership,
    usage: ClientUsage | None,
    billing_profile_missing: list[str] | None,
    plans: list[Product],
) -> list[Action]:
    """The actions menu of one subscription: what is allowed now, and for the
    rest, the reason (R16, R18, R19)."""
    sub = subscription
    slug = firm.slug
    actions: list[Action] = []
    not_admin = "" if membership.is_admin else _("Only the firm's admins manage billing.")
    if sub.is_addon:
        if sub.is_live:
            actions.append(
                Action(
                    "cancel",
                    _("Remove %(addon)s") % {"addon": sub.product.name},
                    reverse("subscriptions:cancel", args=[slug, sub.pk]),
                    not_admin,
                )
            )
        return actions
    for direction, label, name in (
        (rules.UPGRADE, _("Upgrade"), "subscriptions:upgrade"),
        (rules.DOWNGRADE, _("Downgrade"), "subscriptions:downgrade"),
    ):
        options = move_options(
            subscription=sub,
            direction=direction,
            usage=usage,
            billing_profile_missing=billing_profile_missing,
            plans=plans,
        )
        reason = not_admin or _menu_reason(sub, direction, options)
        actions.append(Action(direction, label, reverse(name, args=[slug, sub.pk]), reason))
    if sub.billing == Billing.WHOLESALE and sub.is_live:
        actions.append(
            Action(
                "addon",
                _("Add Payroll or Time"),
                reverse("subscriptions:addon_add", args=[slug, sub.pk]),
                not_admin or (rules.state_blockers(sub) or [""])[0],
            )
        )
        actions.append(
            Action(
                "remove",
                _("Remove from wholesale"),
                reverse("subscriptions:remove_wholesale", args=[slug, sub.pk]),
                not_admin,
            )
        )
    return actions


def wholesale_client_detail(*, firm: Firm, client: Client, membership: Membership) -> list:
    """The client's live subscriptions (plan first, then add-ons) with their actions."""
    subs = list(
        _subscription_queryset(firm)
        .filter(client=client, status__in=LIVE)
        .prefetch_related("product__prices", "product__features")
        .order_by("parent_id", "pk")
    )
    usage = client_usage(client=client)
    missing = billing_profile_missing(firm=firm)
    plans = catalogue(kind=ProductKind.PLAN)
    today = clock.today()
    app_setups = {
        s.subscription_id: s
        for s in AppSetup.objects.filter(firm=firm, subscription_id__in=[s.pk for s in subs])
    }
    for sub in subs:
        _decorate(sub, today)
        sub.app_setup = app_setups.get(sub.pk)
        sub.actions = subscription_actions(
            firm=firm,
            subscription=sub,
            membership=membership,
            usage=usage,
            billing_profile_missing=missing,
            plans=plans,
        )
        sub.payer_label = (
            _("Firm") if sub.billing == Billing.WHOLESALE else _("Client (split billing)")
        )
    return subs
