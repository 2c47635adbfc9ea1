"""The Time account's admin, the firm's accountants connected to it, and the
admin's invitation (R24). The links themselves are read in clientapps.selectors."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practice.activity import activity_record
from practice.models import Firm, Membership
from practice.signing import LinkError
from practice.tenancy import firm_scope
from subscriptions.clientapps.selectors import active_team, time_invitation_from_token
from subscriptions.clientapps.steps import advance, lock, require_step
from subscriptions.clientapps.tasks import time_invitation_accepted_email, time_invitation_email
from subscriptions.models import (
    AppSetup,
    SetupStatus,
    SetupStep,
    TimeAccount,
    TimeAccountAccountant,
)

MAX_CONNECTED_ACCOUNTANTS = 2

ADMIN_PERMISSIONS = [
    ("manage_team", gettext_lazy("Manage the team and its schedules")),
    ("approve_time", gettext_lazy("Approve timesheets")),
    ("edit_time", gettext_lazy("Edit everyone's time entries")),
    ("reports", gettext_lazy("See reports")),
    ("jobs", gettext_lazy("Manage customers, jobs and service items")),
]


@transaction.atomic
def time_accountants_set(
    *, firm: Firm, time_account: TimeAccount, memberships: list[Membership], by: Membership
) -> list[TimeAccountAccountant]:
    """The firm's accountants connected to the client's Time account: at most two."""
    TimeAccount.objects.select_for_update(of=("self",)).filter(
        firm=firm, pk=time_account.pk
    ).first()
    wanted = {m.pk: m for m in memberships}
    if len(wanted) > MAX_CONNECTED_ACCOUNTANTS:
        raise ValidationError(
            {
                "accountants": _(
                    "At most %(n)s of the firm's accountants can be connected to one Time account."
                )
                % {"n": MAX_CONNECTED_ACCOUNTANTS}
            }
        )
    for membership in wanted.values():
        if membership.firm_id != firm.pk or not membership.is_active:
            raise ValidationError({"accountants": _("Choose active members of the firm's team.")})
    existing = {
        a.membership_id: a
        for a in TimeAccountAccountant.objects.filter(firm=firm, time_account=time_account)
    }
    before = sorted(existing)
    TimeAccountAccountant.objects.filter(firm=firm, time_account=time_account).exclude(
        membership_id__in=list(wanted)
    ).delete()
    for pk, membership in wanted.items():
        if pk not in existing:
            TimeAccountAccountant.objects.create(
                firm=firm, time_account=time_account, membership=membership
            )
    if before != sorted(wanted):
        activity_record(
            firm=firm,
            by=by.user,
            verb="app.accountants_connected",
            target=time_account,
            changes={"accountants": [len(before), len(wanted)]},
        )
    return list(
        TimeAccountAccountant.objects.filter(firm=firm, time_account=time_account).select_related(
            "membership__user"
        )
    )


@transaction.atomic
def time_admin_invite(
    *,
    firm: Firm,
    setup: AppSetup,
    admin_member_id: int,
    permissions: list[str],
    accountants: list[Membership],
    by: Membership,
    language: str = "",
) -> TimeAccount:
    """Designate the Time account's admin among the client's team members, set
    their permissions and connect up to two of the firm's accountants, then
    e-mail the admin an invitation valid for 14 days. Sending again replaces
    the earlier link."""
    setup = lock(setup)
    require_step(setup, SetupStep.ADMIN)
    account = (
        TimeAccount.objects.select_for_update(of=("self",)).filter(firm=firm, setup=setup).first()
    )
    if account is None:
        raise ValidationError(_("Connect the client's Time account first."))
    if account.accepted_at is not None:
        raise ValidationError(_("The account admin has already accepted the invitation."))
    team = {m.pk: m for m in active_team(setup.client)}
    admin = team.get(admin_member_id)
    if admin is None:
        raise ValidationError({"admin": _("Choose the admin among the client's team members.")})
    permissions = [p for p in dict(ADMIN_PERMISSIONS) if p in set(permissions)]
    time_accountants_set(firm=firm, time_account=account, memberships=accountants, by=by)
    resend = account.invitation_sent_at is not None
    account.admin = admin
    account.admin_permissions = permissions
    account.invitation_nonce = secrets.token_urlsafe(16)
    account.invitation_sent_at = timezone.now()
    account.invited_by = by.user
    account.save(
        update_fields=[
            "admin",
            "admin_permissions",
            "invitation_nonce",
            "invitation_sent_at",
            "invited_by",
        ]
    )
    setup.data["admin"] = {"member_id": admin.pk, "permissions": permissions}
    advance(setup, SetupStep.ADMIN)
    setup.status = SetupStatus.INVITED
    setup.save(update_fields=["data", "step", "status", "updated_at"])
    activity_record(
        firm=firm,
        by=by.user,
        verb="app.invitation_resent" if resend else "app.invitation_sent",
        target=setup,
        changes={"admin": [None, str(admin)]},
    )
    account_id, lang = account.pk, language or firm.language

    def enqueue():

        time_invitation_email.delay(firm.pk, account_id, lang)

    transaction.on_commit(enqueue, robust=True)
    return account


def time_invitation_accept(*, token: str, user) -> TimeAccount:
    """The client's admin accepts, signed in with the invited address: the Time
    account and the app become active and the firm is e-mailed."""
    account = time_invitation_from_token(token)
    invited = account.admin.email if account.admin else ""
    if user is None or not user.is_authenticated or user.email.lower() != invited.lower():
        raise LinkError(
            _("This invitation is for another person: sign in as %(email)s.") % {"email": invited}
        )
    firm = account.firm
    with firm_scope(firm), transaction.atomic():
        locked = TimeAccount.objects.select_for_update(of=("self",)).get(firm=firm, pk=account.pk)
        if locked.accepted_at is not None or locked.invitation_nonce != account.invitation_nonce:
            raise LinkError(_("This invitation has already been accepted."))
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        AppSetup.objects.filter(firm=firm, pk=locked.setup_id).update(
            status=SetupStatus.ACTIVE, step=SetupStep.DONE, updated_at=timezone.now()
        )
        activity_record(
            firm=firm,
            by=None,
            verb="app.invitation_accepted",
            target=account.setup,
            changes={"admin": [None, str(account.admin or "—")]},
        )
        firm_id, account_id = firm.pk, locked.pk

        def enqueue():
            time_invitation_accepted_email.delay(firm_id, account_id)

        transaction.on_commit(enqueue, robust=True)
    return locked
