"""Installing an app for a client (R23, R24): what stands in the way, and "Get
app". The add-on itself is billed per R20 through
subscriptions.services.addon_create, so statements carry it only when the firm pays.

Every write here takes the firm and the acting Membership and records activity."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from clients.models import Client, ClientStatus
from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.permissions import require_admin
from subscriptions import services as subscription_services
from subscriptions.clientapps.selectors import APP_CODES, active_team
from subscriptions.models import (
    LIVE,
    AppSetup,
    Billing,
    Product,
    ProductKind,
    SetupStep,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.selectors import live_plan


@dataclass
class Blocker:
    message: str
    url: str = ""
    link_label: str = ""


def app_blockers(*, firm: Firm, client: Client, product: Product) -> list[Blocker]:
    """Why `product` can't be set up for `client` now, each with how to fix it.
    R23: the client's team members come first."""
    slug = firm.slug
    profile = reverse("clients:detail", args=[slug, client.pk])
    blockers = []
    if client.status != ClientStatus.ACTIVE:
        blockers.append(
            Blocker(
                _("%(client)s is inactive: make the client active to set up apps.")
                % {"client": client},
                profile,
                _("Open the client"),
            )
        )
    plan = live_plan(client)
    if plan is None:
        blockers.append(
            Blocker(
                _("%(app)s is an add-on: %(client)s needs a subscription to a plan first.")
                % {"app": product.name, "client": client},
                f"{profile}?tab=products",
                _("See the client's products"),
            )
        )
    elif plan.status != SubscriptionStatus.ACTIVE:
        blockers.append(
            Blocker(
                _(
                    "The %(plan)s subscription of %(client)s is waiting for its wholesale "
                    "enrolment to complete; add-ons can be added once it is active."
                )
                % {"plan": plan.product.name, "client": client},
                reverse("billing_profile", args=[slug]),
                _("Check the billing profile"),
            )
        )
    if not active_team(client):
        blockers.append(
            Blocker(
                _(
                    "%(client)s has no team members yet. %(app)s is set up for the people "
                    "who will track their time: add the client's team members first, then "
                    "come back to finish."
                )
                % {"client": client, "app": product.name},
                f"{profile}?tab=team",
                _("Add team members"),
            )
        )
    return blockers


def _require_firm_pays_allowed(by: Membership) -> None:
    require_admin(
        by,
        message=_(
            "Only the firm's admins can choose billing that the firm pays. Choose "
            "“billed to the client”, or ask an admin."
        ),
    )


def _existing_addon(plan: Subscription, product: Product) -> Subscription | None:
    return Subscription.objects.filter(
        firm=plan.firm_id, parent=plan, product=product, status__in=LIVE
    ).first()


@transaction.atomic
def app_install(
    *, firm: Firm, client: Client, product: Product, payer: str, by: Membership
) -> AppSetup:
    """ "Get app": install Time or Payroll for the client with a billing type and
    start its setup (R24). Billed to the firm (wholesale) or to the client (split
    billing, R20); the firm paying is an admin's choice (R2). A setup already
    started for this client and app is returned as is, to be resumed."""
    Client.objects.select_for_update(of=("self",)).filter(firm=firm, pk=client.pk).first()
    if product.code not in APP_CODES or product.kind != ProductKind.ADDON:
        raise ValidationError(_("Choose an app from the catalogue."))
    existing = AppSetup.objects.filter(firm=firm, client=client, product=product).first()
    if existing is not None:
        return existing
    blockers = app_blockers(firm=firm, client=client, product=product)
    if blockers:
        raise ValidationError([b.message for b in blockers])
    if payer not in Billing.values:
        raise ValidationError({"payer": _("Choose who pays the app.")})
    plan = live_plan(client)
    addon = _existing_addon(plan, product)
    if addon is None:
        if payer == Billing.WHOLESALE:
            _require_firm_pays_allowed(by)
        addon = subscription_services.addon_create(
            firm=firm, subscription=plan, product=product, payer=payer, by=by
        )
    setup = AppSetup.objects.create(
        firm=firm,
        client=client,
        product=product,
        subscription=addon,
        step=SetupStep.ACCOUNT if product.code == "time" else SetupStep.PAYROLL,
        data={"install": {"payer": addon.billing}},
        created_by=by.user,
    )
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.installed",
        target=setup,
        changes={"payer": [None, addon.billing]},
    )
    return setup
