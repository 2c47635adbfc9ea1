"""Writes for subscriptions. `subscriptions_on_client_created` answers the clients
app's hook (subscriptions.receivers); transfers between firms are in
subscriptions.transfers.

Every change that affects money closes the subscription's open ChargePeriod and
opens a new one on the day it takes effect (today, in the firm's time zone), so
statements prorate by day (R21)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.companies.services import company_wholesale_left
from clients.models import BillingChoice, Client
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership, User
from practice.permissions import require_admin
from subscriptions import rules
from subscriptions.models import (
    LIVE,
    Billing,
    ChangeKind,
    ClientUsage,
    Feature,
    PlanChange,
    Product,
    ProductKind,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.periods import (
    client_billing_refresh,
    close_period,
    discount_terms,
    open_period,
    to_direct,
)
from subscriptions.schedule import WHOLESALE, Schedule
from subscriptions.selectors import billing_profile_missing, client_usage, live_plan
from subscriptions.signals import announce_change
from subscriptions.tasks import enrolment_complete


def _plan_by_code(code: str) -> Product:
    product = Product.objects.filter(code=code, kind=ProductKind.PLAN, is_active=True).first()
    if product is None:
        raise ValidationError({"initial_plan_code": _("Choose a plan from the catalogue.")})
    return product


def _enqueue_enrolment(subscription: Subscription) -> None:
    firm_id, pk = subscription.firm_id, subscription.pk
    transaction.on_commit(lambda: enrolment_complete.delay(firm_id, pk))


def enrolment_requested(
    *, firm: Firm, subscription: Subscription, by: User, moved_from: str | None = None
) -> None:
    """A subscription now pending on wholesale billing (R16): logged, as a new
    subscription or as a plan moved from `moved_from` billing, announced, and its
    enrolment queued."""
    changes = {"billing": [moved_from, Billing.WHOLESALE]}
    if moved_from is None:
        changes = {"product": [None, subscription.product.name], **changes}
    activity_record(
        firm=firm,
        by=by,
        verb="subscription.enrolment_requested",
        target=subscription,
        changes=changes,
    )
    announce_change(firm=firm, subscription=subscription, change="enrolment_requested")
    _enqueue_enrolment(subscription)


@transaction.atomic
def subscriptions_on_client_created(*, firm: Firm, client: Client, by: User) -> Subscription | None:
    """Honour the subscription choice recorded on the client (initial_billing and
    initial_plan_code) by starting the subscription (R4, R5).

    Wholesale starts pending; a background task completes the enrolment once the
    firm's billing profile is complete (R16). Direct starts at once, with the
    direct discount for its first months (R15)."""
    if client.initial_billing == BillingChoice.NONE:
        client_billing_refresh(client=client)
        return None
    if not client.initial_plan_code:
        # The add-client form requires a plan with either discount; a caller that
        # passes none starts nothing rather than guessing a plan.
        return None
    product = _plan_by_code(client.initial_plan_code)
    if client.initial_billing == BillingChoice.WHOLESALE:
        rate, until = discount_terms(Billing.WHOLESALE, clock.today())
        subscription = Subscription.objects.create(
            firm=firm,
            client=client,
            product=product,
            billing=Billing.WHOLESALE,
            status=SubscriptionStatus.PENDING,
            currency=firm.currency,
            discount_rate=rate,
            discount_until=until,
            rate_since=clock.today(),
            created_by=by,
        )
        enrolment_requested(firm=firm, subscription=subscription, by=by)
    else:
        subscription = _start_direct(firm=firm, client=client, product=product, by=by)
    client_billing_refresh(client=client)
    return subscription


def _start_direct(*, firm: Firm, client: Client, product: Product, by: User) -> Subscription:
    start = clock.today()
    rate, until = discount_terms(Billing.DIRECT, start)
    subscription = Subscription.objects.create(
        firm=firm,
        client=client,
        product=product,
        billing=Billing.DIRECT,
        status=SubscriptionStatus.ACTIVE,
        currency=firm.currency,
        discount_rate=rate,
        discount_until=until,
        rate_since=start,
        start_date=start,
        created_by=by,
    )
    open_period(subscription, on=start)
    activity_record(
        firm=firm,
        by=by,
        verb="subscription.started",
        target=subscription,
        changes={"product": [None, product.name], "billing": [None, Billing.DIRECT]},
    )
    announce_change(firm=firm, subscription=subscription, change="started")
    return subscription


@transaction.atomic
def subscription_start_direct(
    *, firm: Firm, client: Client, product: Product, by: Membership
) -> Subscription:
    """A client with no subscription subscribes later, at the direct discount (R5).
    Wholesale is offered only when the client is created."""
    require_admin(by, firm=firm)
    Client.objects.select_for_update(of=("self",)).filter(firm=firm, pk=client.pk).first()
    if live_plan(client) is not None:
        raise ValidationError(_("%(client)s already has a subscription.") % {"client": client})
    if product.kind != ProductKind.PLAN or not product.is_active:
        raise ValidationError(_("Choose a plan from the catalogue."))
    subscription = _start_direct(firm=firm, client=client, product=product, by=by.user)
    client_billing_refresh(client=client)
    return subscription


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("client__number_row", "product")
        .get(firm=subscription.firm_id, pk=subscription.pk)
    )


@transaction.atomic
def subscription_change_plan(
    *, firm: Firm, subscription: Subscription, product: Product, direction: str, by: Membership
) -> Subscription:
    """Upgrade (R16) or downgrade (R18) a plan, within R19. Refuses with every
    reason that applies; the change takes effect today."""
    require_admin(by, firm=firm)
    if direction not in (rules.UPGRADE, rules.DOWNGRADE):
        raise ValidationError(_("Choose an upgrade or a downgrade."))
    subscription = _locked(subscription)
    reasons = rules.move_blockers(
        subscription=subscription,
        target=product,
        direction=direction,
        usage=client_usage(client=subscription.client),
        billing_profile_missing=billing_profile_missing(firm=firm),
    )
    if reasons:
        raise ValidationError(reasons)
    on = clock.today()
    before = subscription.product
    close_period(subscription, on=on)
    subscription.product = product
    subscription.save(update_fields=["product"])
    open_period(subscription, on=on)
    PlanChange.objects.create(
        firm=firm,
        subscription=subscription,
        kind=ChangeKind.UPGRADE if direction == rules.UPGRADE else ChangeKind.DOWNGRADE,
        from_product=before,
        to_product=product,
        effective_on=on,
        changed_by=by.user,
    )
    change = "upgraded" if direction == rules.UPGRADE else "downgraded"
    activity_record(
        firm=firm,
        by=by.user,
        verb=f"subscription.{change}",
        target=subscription,
        changes={"product": [before.name, product.name]},
    )
    announce_change(firm=firm, subscription=subscription, change=change)
    client_billing_refresh(client=subscription.client)
    return subscription


@transaction.atomic
def subscription_remove_from_wholesale(
    *, firm: Firm, subscription: Subscription, by: Membership
) -> Subscription:
    """The client takes over its billing: the direct discount for what remains of
    its first months (counted from the start date), then the list price. Add-ons
    the firm paid move with the plan. Needed before the client can be deleted (R12)."""
    require_admin(by, firm=firm)
    subscription = _locked(subscription)
    if subscription.is_addon:
        raise ValidationError(_("Remove the plan from wholesale billing; its add-ons follow."))
    if not subscription.is_live or subscription.billing != Billing.WHOLESALE:
        raise ValidationError(_("This subscription is not billed to the firm."))
    on = clock.today()
    kept_rate = kept_wholesale_rate(subscription, on=on)
    to_direct(subscription, on=on)
    for addon in Subscription.objects.select_for_update(of=("self",)).filter(
        firm=firm, parent=subscription, billing=Billing.WHOLESALE, status__in=LIVE
    ):
        addon.client = subscription.client
        to_direct(addon, on=on)
    activity_record(
        firm=firm,
        by=by.user,
        verb="subscription.removed_from_wholesale",
        target=subscription,
        changes={"billing": [Billing.WHOLESALE, Billing.DIRECT]},
    )
    announce_change(firm=firm, subscription=subscription, change="removed_from_wholesale")
    client_billing_refresh(client=subscription.client)
    # Starts the client's 60-day window for keeping the discount elsewhere (R22, R38).
    company_wholesale_left(client=subscription.client, rate=kept_rate)
    return subscription


@transaction.atomic
def subscription_addon_add(
    *, firm: Firm, subscription: Subscription, product: Product, payer: str, by: Membership
) -> Subscription:
    """Add Payroll or Time to a plan. On a wholesale plan the firm chooses who pays
    the add-on (split billing, R20); a client paying its plan pays its add-ons."""
    require_admin(by, firm=firm)
    return addon_create(firm=firm, subscription=subscription, product=product, payer=payer, by=by)


@transaction.atomic
def addon_create(
    *, firm: Firm, subscription: Subscription, product: Product, payer: str, by: Membership
) -> Subscription:
    """The add-on itself, without the role check: callers decide who may add one
    (the billing page: admins; the apps wizard: anyone, unless the firm pays)."""
    subscription = _locked(subscription)
    if subscription.is_addon:
        raise ValidationError(_("Add-ons attach to a plan."))
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise ValidationError(state_message(subscription) or _("This subscription is not active."))
    if product.kind != ProductKind.ADDON or not product.is_active:
        raise ValidationError(_("Choose an add-on from the catalogue."))
    if payer not in Billing.values:
        raise ValidationError(_("Choose who pays the add-on."))
    if subscription.billing == Billing.DIRECT and payer == Billing.WHOLESALE:
        raise ValidationError(
            _("The client pays its own subscription, so it pays its add-ons too.")
        )
    if Subscription.objects.filter(
        firm=firm, parent=subscription, product=product, status__in=LIVE
    ).exists():
        raise ValidationError(
            _("%(client)s already has %(addon)s.")
            % {"client": subscription.client, "addon": product.name}
        )
    start = clock.today()
    rate, until = discount_terms(payer, start)
    addon = Subscription.objects.create(
        firm=firm,
        client=subscription.client,
        product=product,
        parent=subscription,
        billing=payer,
        status=SubscriptionStatus.ACTIVE,
        currency=subscription.currency,
        discount_rate=rate,
        discount_until=until,
        rate_since=start,
        start_date=start,
        created_by=by.user,
    )
    open_period(addon, on=start)
    activity_record(
        firm=firm,
        by=by.user,
        verb="subscription.addon_added",
        target=addon,
        changes={"product": [None, product.name], "payer": [None, payer]},
    )
    announce_change(firm=firm, subscription=addon, change="addon_added")
    client_billing_refresh(client=subscription.client)
    return addon


def state_message(subscription: Subscription) -> str:
    reasons = rules.state_blockers(subscription)
    return reasons[0] if reasons else ""


@transaction.atomic
def subscription_cancel(*, firm: Firm, subscription: Subscription, by: Membership) -> Subscription:
    """Cancel an add-on, or a plan the client pays (its add-ons end with it).
    A plan billed to the firm is removed from wholesale first."""
    require_admin(by, firm=firm)
    subscription = _locked(subscription)
    if not subscription.is_live:
        return subscription
    if not subscription.is_addon and subscription.billing == Billing.WHOLESALE:
        raise ValidationError(
            _("Remove this subscription from wholesale billing before cancelling it.")
        )
    on = clock.today()
    targets = [subscription]
    if not subscription.is_addon:
        targets += list(
            Subscription.objects.select_for_update(of=("self",)).filter(
                firm=firm, parent=subscription, status__in=LIVE
            )
        )
    for sub in targets:
        close_period(sub, on=on)
        sub.status = SubscriptionStatus.CANCELLED
        sub.ended_on = on
        sub.save(update_fields=["status", "ended_on"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="subscription.cancelled",
        target=subscription,
        changes={"status": [SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED]},
    )
    announce_change(firm=firm, subscription=subscription, change="cancelled")
    client_billing_refresh(client=subscription.client)
    return subscription


@transaction.atomic
def client_usage_update(
    *, firm: Firm, client: Client, users: int, features: list[Feature], by: User
) -> ClientUsage:
    """Record what the client uses (users, features such as multicurrency)."""
    if users < 1:
        raise ValidationError({"users": _("A client has at least one user.")})
    usage, _created = ClientUsage.objects.get_or_create(firm=firm, client=client)
    before_users = usage.users if not _created else None
    before_features = sorted(f.code for f in usage.features.all())
    usage.users = users
    usage.save()
    usage.features.set(features, through_defaults={"firm": firm})
    after_features = sorted(f.code for f in features)
    changes = {}
    if before_users != users:
        changes["users"] = [before_users, users]
    if before_features != after_features:
        changes["features"] = [before_features, after_features]
    if changes:
        activity_record(
            firm=firm,
            by=by,
            verb="client.usage_updated",
            target=client,
            changes=changes,
        )
    return usage


def kept_wholesale_rate(subscription: Subscription, *, on: datetime.date):
    """The discount rate a wholesale plan had on its last day billed to the firm,
    the day before `on` (R38): its own rate, or the dated terms that replaced it."""
    return Schedule.load().rate_on(
        arrangement=WHOLESALE,
        rate=subscription.discount_rate,
        rate_since=subscription.rate_since,
        day=on - datetime.timedelta(days=1),
    )
