"""E-mails of the client side, sent in the background (ids only; each task
reloads its rows and does nothing when there is no longer anything to say)."""

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from practice.emails import send_templated_mail


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_accountant_invitation_email(self, invitation_id: int, language: str) -> None:
    """R22: the signed link for the accountant, valid 30 days."""
    from clients.company_services import accountant_url
    from clients.models import AccountantInvitation, AccountantInvitationStatus

    invitation = (
        AccountantInvitation.objects.select_related("company", "invited_by")
        .filter(pk=invitation_id, status=AccountantInvitationStatus.PENDING)
        .first()
    )
    if invitation is None:
        return
    context = {
        "company_name": invitation.company.name,
        "inviter": str(invitation.invited_by),
        "is_transfer": invitation.is_transfer,
        "url": accountant_url(invitation),
        "expires_at": invitation.expires_at,
    }
    try:
        send_templated_mail(
            to=[invitation.email],
            template="accountant_invitation",
            context=context,
            language=language,
        )
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_accountant_accepted_email(self, invitation_id: int) -> None:
    """Tell the company person who invited the accountant that the firm accepted."""
    from clients.models import AccountantInvitation, AccountantInvitationStatus

    invitation = (
        AccountantInvitation.objects.select_related("company", "invited_by", "accepted_firm")
        .filter(pk=invitation_id, status=AccountantInvitationStatus.ACCEPTED)
        .first()
    )
    if invitation is None or invitation.accepted_firm is None:
        return
    inviter = invitation.invited_by
    context = {
        "company_name": invitation.company.name,
        "firm_name": invitation.accepted_firm.name,
        "accountant": invitation.email,
        "is_transfer": invitation.is_transfer,
        "url": settings.SITE_URL.rstrip("/")
        + reverse("portal:overview", args=[invitation.company_id]),
    }
    try:
        send_templated_mail(
            to=[inviter.email],
            template="accountant_accepted",
            context=context,
            language=inviter.language or settings.LANGUAGE_CODE,
        )
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_portal_invitation_email(self, member_id: int, language: str) -> None:
    """The signed link giving a company team member access to the portal."""
    from clients.company_services import portal_url
    from clients.models import CompanyMember

    member = (
        CompanyMember.objects.select_related("company", "portal_invited_by")
        .filter(pk=member_id, is_active=True, user__isnull=True)
        .exclude(portal_nonce="")
        .first()
    )
    if member is None:
        return
    from datetime import timedelta

    context = {
        "company_name": member.company.name,
        "name": member.full_name,
        "inviter": str(member.portal_invited_by or ""),
        "url": portal_url(member),
        "expires_at": member.portal_invited_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    }
    try:
        send_templated_mail(
            to=[member.email], template="portal_invitation", context=context, language=language
        )
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_portal_accepted_email(self, member_id: int) -> None:
    """Tell whoever sent the portal invitation that the person accepted."""
    from clients.models import CompanyMember

    member = (
        CompanyMember.objects.select_related("company", "portal_invited_by")
        .filter(pk=member_id, user__isnull=False)
        .first()
    )
    if member is None or member.portal_invited_by is None:
        return
    inviter = member.portal_invited_by
    context = {"company_name": member.company.name, "name": member.full_name}
    try:
        send_templated_mail(
            to=[inviter.email],
            template="portal_accepted",
            context=context,
            language=inviter.language or settings.LANGUAGE_CODE,
        )
    except OSError as exc:
        raise self.retry(exc=exc) from exc
