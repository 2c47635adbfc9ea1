"""Firm-to-firm transfers (R22, R38): the subscriptions follow the client to its
new firm, billed to the client; within 60 days of leaving wholesale billing the
new firm may put it back on wholesale at the rate it had, and the client's
recorded usage follows it. `subscriptions_transfer` answers the clients app's
`client_transferred` hook (subscriptions.receivers)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.companies.services import company_wholesale_left
from clients.models import Client
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership, User
from practice.permissions import require_admin
from subscriptions.models import (
    LIVE,
    Billing,
    ClientUsage,
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
from subscriptions.selectors import client_usage, live_plan
from subscriptions.services import _locked, enrolment_requested, kept_wholesale_rate
from subscriptions.signals import announce_change


def _copy_to(*, subscription: Subscription, client: Client, parent, on: datetime.date, by):
    copy = Subscription.objects.create(
        firm_id=client.firm_id,
        client=client,
        product=subscription.product,
        parent=parent,
        billing=Billing.DIRECT,
        status=SubscriptionStatus.ACTIVE,
        currency=subscription.currency,
        discount_rate=subscription.discount_rate,
        discount_until=subscription.discount_until,
        rate_since=subscription.rate_since,
        start_date=subscription.start_date or on,
        created_by=by,
    )
    open_period(copy, on=on)
    return copy


def _usage_follows(*, source: Client, target: Client) -> None:
    """The client's recorded usage (users, features in use) moves with it, so the
    new firm checks downgrades against what the client really uses (R18, R38)."""
    usage = client_usage(client=source)
    if usage is None:
        return
    copy, _created = ClientUsage.objects.update_or_create(
        firm_id=target.firm_id, client=target, defaults={"users": usage.users}
    )
    copy.features.set(usage.features.all(), through_defaults={"firm_id": target.firm_id})


@transaction.atomic
def subscriptions_transfer(*, source: Client, target: Client, by: User | None) -> bool:
    """Move a client's live subscriptions from the firm it leaves (`source`) to the
    firm it joins (`target`). Plans the old firm paid leave its wholesale billing
    today (the client pays them, with what remains of the direct discount); the old
    firm's open charge periods end today, so its statements keep the days it paid.
    The new firm gets the same plans billed to the client. Returns True when the
    client was on the old firm's wholesale billing.

    Runs across two firms: the caller lifts scoping (django_scopes.scopes_disabled)."""
    on = clock.today()
    subs = list(
        Subscription.objects.select_for_update(of=("self",))
        .filter(firm=source.firm_id, client=source, status__in=LIVE)
        .select_related("product", "client")
        .order_by("parent_id", "pk")
    )
    was_wholesale = any(s.billing == Billing.WHOLESALE for s in subs)
    kept_rate = None
    copies = {}
    for sub in subs:
        if sub.billing == Billing.WHOLESALE:
            if sub.parent_id is None:
                kept_rate = kept_wholesale_rate(sub, on=on)
            to_direct(sub, on=on)
            activity_record(
                firm=source.firm,
                by=None,
                verb="subscription.removed_from_wholesale",
                target=sub,
                changes={"billing": [Billing.WHOLESALE, Billing.DIRECT]},
            )
        close_period(sub, on=on)
        sub.status = SubscriptionStatus.CANCELLED
        sub.ended_on = on
        sub.save(update_fields=["status", "ended_on"])
        announce_change(firm=source.firm, subscription=sub, change="transferred_out")
        parent = copies.get(sub.parent_id) if sub.parent_id else None
        if sub.parent_id and parent is None:
            continue
        copies[sub.pk] = _copy_to(subscription=sub, client=target, parent=parent, on=on, by=by)
        announce_change(firm=target.firm, subscription=copies[sub.pk], change="transferred_in")
    _usage_follows(source=source, target=target)
    if was_wholesale:
        company_wholesale_left(client=source, rate=kept_rate)
    client_billing_refresh(client=source)
    client_billing_refresh(client=target)
    return was_wholesale


@transaction.atomic
def subscription_start_wholesale_after_transfer(
    *, firm: Firm, client: Client, by: Membership, product: Product | None = None
) -> Subscription:
    """R5's exception (R22): a client that left another firm's wholesale billing
    within 60 days of transferring in may be enrolled in wholesale until
    `client.wholesale_offer_until` (inclusive); afterwards only direct pricing.
    The client's live plan moves to wholesale, or `product` starts as a new one.
    Like any new wholesale subscription it is pending until enrolment (R16)."""
    require_admin(by, firm=firm)
    client = Client.objects.select_for_update(of=("self",)).get(firm=firm, pk=client.pk)
    if client.wholesale_offer_until is None or clock.today() > client.wholesale_offer_until:
        raise ValidationError(
            _(
                "The wholesale discount is no longer available for this client: it can "
                "only be kept within 60 days of leaving the previous firm's wholesale "
                "billing. Direct pricing is still available."
            )
        )
    plan = live_plan(client)
    rate, until = discount_terms(Billing.WHOLESALE, clock.today())
    kept = client.company_account.wholesale_left_rate if client.company_account_id else None
    if kept is not None:
        rate = kept
    moved_from = None
    if plan is not None:
        plan = _locked(plan)
        if plan.billing == Billing.WHOLESALE:
            raise ValidationError(_("This subscription is already billed to the firm."))
        moved_from = plan.billing
        close_period(plan, on=clock.today())
        plan.billing = Billing.WHOLESALE
        plan.discount_rate, plan.discount_until = rate, until
        plan.rate_since = clock.today()
        plan.status = SubscriptionStatus.PENDING
        plan.save(
            update_fields=["billing", "discount_rate", "discount_until", "rate_since", "status"]
        )
        subscription = plan
    else:
        if product is None or product.kind != ProductKind.PLAN or not product.is_active:
            raise ValidationError(_("Choose a plan from the catalogue."))
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
            created_by=by.user,
        )
    client.wholesale_offer_until = None
    client.save(update_fields=["wholesale_offer_until"])
    enrolment_requested(firm=firm, subscription=subscription, by=by.user, moved_from=moved_from)
    client_billing_refresh(client=client)
    return subscription
