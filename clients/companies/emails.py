"""E-mails of the client side: portal invitations and accountant invitations (R22),
and the notes telling the sender that they were accepted."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from clients.companies.selectors import accountant_url, portal_url
from clients.models import AccountantInvitation, CompanyMember
from practice.emails import send_templated_mail


def send_accountant_invitation(invitation: AccountantInvitation, language: str) -> None:
    """R22: the signed link for the accountant, valid 30 days."""
    context = {
        "company_name": invitation.company.name,
        "inviter": str(invitation.invited_by),
        "is_transfer": invitation.is_transfer,
        "url": accountant_url(invitation),
        "expires_at": invitation.expires_at,
    }
    send_templated_mail(
        to=[invitation.email],
        template="accountant_invitation",
        context=context,
        language=language,
    )


def send_accountant_accepted(invitation: AccountantInvitation) -> None:
    """Tell the company person who invited the accountant that the firm accepted."""
    inviter = invitation.invited_by
    context = {
        "company_name": invitation.company.name,
        "firm_name": invitation.accepted_firm.name,
        "accountant": invitation.email,
        "is_transfer": invitation.is_transfer,
        "url": settings.SITE_URL.rstrip("/")
        + reverse("portal:overview", args=[invitation.company_id]),
    }
    send_templated_mail(
        to=[inviter.email],
        template="accountant_accepted",
        context=context,
        language=inviter.language or settings.LANGUAGE_CODE,
    )


def send_portal_invitation(member: CompanyMember, language: str) -> None:
    """The signed link giving a company team member access to the portal."""
    context = {
        "company_name": member.company.name,
        "name": member.full_name,
        "inviter": str(member.portal_invited_by or ""),
        "url": portal_url(member),
        "expires_at": member.portal_invited_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    }
    send_templated_mail(
        to=[member.email], template="portal_invitation", context=context, language=language
    )


def send_portal_accepted(member: CompanyMember) -> None:
    """Tell whoever sent the portal invitation that the person accepted."""
    inviter = member.portal_invited_by
    context = {"company_name": member.company.name, "name": member.full_name}
    send_templated_mail(
        to=[inviter.email],
        template="portal_accepted",
        context=context,
        language=inviter.language or settings.LANGUAGE_CODE,
    )
