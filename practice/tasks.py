from celery import shared_task

from practice.emails import send_templated_mail
from practice.models import Invitation, InvitationStatus


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_invitation_email(self, invitation_id: int, language: str) -> None:
    """E-mail the invitation link. Does nothing if the invitation is no longer pending."""
    from practice.services import invitation_url

    invitation = (
        Invitation.unscoped.select_related("firm", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return
    context = {
        "firm_name": invitation.firm.name,
        "inviter": str(invitation.invited_by),
        "role": invitation.get_role_display(),
        "url": invitation_url(invitation),
        "expires_at": invitation.expires_at,
    }
    try:
        send_templated_mail(
            to=[invitation.email], template="invitation", context=context, language=language
        )
    except OSError as exc:
        raise self.retry(exc=exc) from exc
