"""Which plan moves are allowed, and why not (R16, R18, R19). Pure checks shared by
the services (which enforce them) and the actions menu (which explains them)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from subscriptions.models import (
    ClientUsage,
    Product,
    ProductFamily,
    ProductKind,
    Subscription,
    SubscriptionStatus,
)

UPGRADE = "upgrade"
DOWNGRADE = "downgrade"


def _join(names: list[str]) -> str:
    return ", ".join(names)


def state_blockers(subscription: Subscription) -> list[str]:
    if subscription.status == SubscriptionStatus.PENDING:
        return [
            _(
                "Enrolment in wholesale billing is still pending: the plan can be changed once it completes."
            )
        ]
    if subscription.status == SubscriptionStatus.CANCELLED:
        return [_("This subscription is cancelled.")]
    return []


def family_blockers(current: Product, target: Product) -> list[str]:
    """R19: no move to or from Self-Employed; an online plan never moves to Ledger.

    The seeds forbid only online -> Ledger. Ledger -> an online plan is allowed, as
    an upgrade: Ledger (bookkeeping only, tier 0) sits below Simple Start in the
    tiers, so every online plan is above it; like any upgrade it needs the firm's
    complete billing profile when the firm pays (R16), and it can't be undone,
    since the way back is online -> Ledger."""
    if ProductFamily.SELF_EMPLOYED in (current.family, target.family):
        return [_("Subscriptions can't move to or from Self-Employed.")]
    if current.family == ProductFamily.ONLINE and target.family == ProductFamily.LEDGER:
        return [_("An online plan can't move to Ledger.")]
    return []


def usage_blockers(*, client_name: str, usage: ClientUsage | None, target: Product) -> list[str]:
    """R18: what the client must change before moving down to `target`."""
    reasons = []
    users = usage.users if usage else 1
    if target.user_limit is not None and users > target.user_limit:
        extra = users - target.user_limit
        reasons.append(
            ngettext(
                "%(client)s has %(users)d billable users and %(plan)s allows %(limit)d: remove %(extra)d user first.",
                "%(client)s has %(users)d billable users and %(plan)s allows %(limit)d: remove %(extra)d users first.",
                extra,
            )
            % {
                "client": client_name,
                "users": users,
                "plan": target.name,
                "limit": target.user_limit,
                "extra": extra,
            }
        )
    if usage is not None:
        in_use = {f.pk: f for f in usage.features.all()}
        included = {f.pk for f in target.features.all()}
        missing = [f.label for pk, f in sorted(in_use.items()) if pk not in included]
        if missing:
            reasons.append(
                _("%(plan)s doesn't include %(features)s: turn it off for %(client)s first.")
                % {"plan": target.name, "features": _join(missing), "client": client_name}
            )
    return reasons


def move_blockers(
    *,
    subscription: Subscription,
    target: Product,
    direction: str,
    usage: ClientUsage | None,
    billing_profile_missing: list[str] | None,
) -> list[str]:
    """Every reason why `subscription` can't move to `target` now; empty when it can.

    `billing_profile_missing` lists the firm's missing billing-profile fields
    (None when there is no profile at all)."""
    current = subscription.product
    if subscription.is_addon or not current.is_plan:
        return [_("Add-ons have no plan to change.")]
    reasons = state_blockers(subscription)
    if reasons:
        return reasons
    if target.kind != ProductKind.PLAN or not target.is_active:
        return [_("%(plan)s is not offered.") % {"plan": target.name}]
    if target.pk == current.pk:
        return [_("This is the current plan.")]
    reasons = family_blockers(current, target)
    if reasons:
        return reasons
    if current.tier is None or target.tier is None:
        return [_("%(plan)s has no place in the plan tiers.") % {"plan": target.name}]
    if direction == UPGRADE:
        if target.tier <= current.tier:
            return [
                _("%(target)s is not above %(current)s.")
                % {"target": target.name, "current": current.name}
            ]
        if subscription.is_wholesale and (
            billing_profile_missing is None or billing_profile_missing
        ):
            missing = _join(billing_profile_missing or [])
            return [
                _("Complete the firm's billing profile first (missing: %(fields)s).")
                % {"fields": missing or _("everything")}
            ]
        return []
    if target.tier >= current.tier:
        return [
            _("%(target)s is not below %(current)s.")
            % {"target": target.name, "current": current.name}
        ]
    return usage_blockers(client_name=subscription.client.display_name, usage=usage, target=target)
