"""E-mail of the practice app, and the one way every app sends mail."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from practice.models import Invitation
from practice.selectors import invitation_url


def send_templated_mail(*, to: list[str], template: str, context: dict, language: str) -> None:
    """Send a plain-text + HTML e-mail rendered in `language` from
    templates/emails/<template>_subject.txt, _body.txt and _body.html."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation(invitation: Invitation, *, language: str) -> None:
    """The team invitation: who invites, to which firm and role, and the link."""
    context = {
        "firm_name": invitation.firm.name,
        "inviter": str(invitation.invited_by),
        "role": invitation.get_role_display(),
        "url": invitation_url(invitation),
        "expires_at": invitation.expires_at,
    }
    send_templated_mail(
        to=[invitation.email], template="invitation", context=context, language=language
    )
