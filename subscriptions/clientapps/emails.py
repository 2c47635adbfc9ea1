"""E-mail of the apps for clients: the Time admin's invitation, and the firm
told that the client accepted it."""

from django.conf import settings
from django.urls import reverse

from practice.emails import send_templated_mail
from practice.models import Firm
from subscriptions.clientapps.selectors import (
    time_invitation_accepted_recipients,
    time_invitation_expires_at,
    time_invitation_url,
)
from subscriptions.models import TimeAccount


def send_time_invitation(*, firm: Firm, account: TimeAccount, language: str) -> None:
    context = {
        "firm_name": firm.name,
        "client_name": account.client.display_name,
        "admin_name": account.admin.full_name,
        "inviter": str(account.invited_by or firm.name),
        "account_id": account.account_id,
        "url": time_invitation_url(account),
        "expires_at": time_invitation_expires_at(account),
    }
    send_templated_mail(
        to=[account.admin.email], template="time_invitation", context=context, language=language
    )


def send_time_invitation_accepted(*, firm: Firm, account: TimeAccount) -> None:
    """Each person told, in their own language."""
    recipients = time_invitation_accepted_recipients(firm=firm, account=account)
    context = {
        "firm_name": firm.name,
        "client_name": account.client.display_name,
        "admin_name": str(account.admin or ""),
        "account_id": account.account_id,
        "accepted_at": account.accepted_at,
        "url": settings.SITE_URL.rstrip("/")
        + reverse("subscriptions:app_setup", args=[firm.slug, account.setup_id]),
    }
    for email, person in recipients.items():
        send_templated_mail(
            to=[email],
            template="time_invitation_accepted",
            context=context,
            language=person.language or firm.language,
        )
