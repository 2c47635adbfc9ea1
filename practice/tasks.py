from celery import shared_task

from practice import emails
from practice.models import Invitation, InvitationStatus


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_invitation_email(self, invitation_id: int, language: str) -> None:
    """E-mail the invitation link. Does nothing if the invitation is no longer pending."""
    invitation = (
        Invitation.unscoped.select_related("firm", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return
    try:
        emails.send_invitation(invitation, language=language)
    except OSError as exc:
        raise self.retry(exc=exc) from exc
