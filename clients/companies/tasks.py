"""E-mails of the client side, sent in the background (ids only; each task
reloads its rows and does nothing when there is no longer anything to say).
Registered under their first home's names, clients.tasks.*, so queued messages
still find them."""

from celery import shared_task

from clients.companies import emails
from clients.models import AccountantInvitation, AccountantInvitationStatus, CompanyMember

RETRY = {"bind": True, "max_retries": 5, "default_retry_delay": 30}


@shared_task(name="clients.tasks.send_accountant_invitation_email", **RETRY)
def send_accountant_invitation_email(self, invitation_id: int, language: str) -> None:
    invitation = (
        AccountantInvitation.objects.select_related("company", "invited_by")
        .filter(pk=invitation_id, status=AccountantInvitationStatus.PENDING)
        .first()
    )
    if invitation is None:
        return
    try:
        emails.send_accountant_invitation(invitation, language)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="clients.tasks.send_accountant_accepted_email", **RETRY)
def send_accountant_accepted_email(self, invitation_id: int) -> None:
    invitation = (
        AccountantInvitation.objects.select_related("company", "invited_by", "accepted_firm")
        .filter(pk=invitation_id, status=AccountantInvitationStatus.ACCEPTED)
        .first()
    )
    if invitation is None or invitation.accepted_firm is None:
        return
    try:
        emails.send_accountant_accepted(invitation)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="clients.tasks.send_portal_invitation_email", **RETRY)
def send_portal_invitation_email(self, member_id: int, language: str) -> None:
    member = (
        CompanyMember.objects.select_related("company", "portal_invited_by")
        .filter(pk=member_id, is_active=True, user__isnull=True)
        .exclude(portal_nonce="")
        .first()
    )
    if member is None:
        return
    try:
        emails.send_portal_invitation(member, language)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="clients.tasks.send_portal_accepted_email", **RETRY)
def send_portal_accepted_email(self, member_id: int) -> None:
    member = (
        CompanyMember.objects.select_related("company", "portal_invited_by")
        .filter(pk=member_id, user__isnull=False)
        .first()
    )
    if member is None or member.portal_invited_by is None:
        return
    try:
        emails.send_portal_accepted(member)
    except OSError as exc:
        raise self.retry(exc=exc) from exc
