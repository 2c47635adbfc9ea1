"""Background work of the apps for clients. The task names predate this module
and stay as they were, so messages already queued still find their task."""

from practice.models import Firm
from practice.tenancy import firm_task
from subscriptions.clientapps import emails, selectors
from subscriptions.clientapps.employees import time_employees_import_run


@firm_task(name="subscriptions.tasks.time_employees_import")
def time_employees_import(firm: Firm, setup_id: int) -> int:
    """Import the team members chosen in a Time setup as employees (idempotent)."""
    return time_employees_import_run(firm=firm, setup_id=setup_id)


@firm_task(
    bind=True,
    max_retries=5,
    default_retry_delay=30,
    name="subscriptions.tasks.time_invitation_email",
)
def time_invitation_email(self, firm: Firm, time_account_id: int, language: str) -> None:
    """E-mail the Time account admin their invitation. Does nothing once accepted."""
    account = selectors.time_account_to_invite(firm=firm, time_account_id=time_account_id)
    if account is None:
        return
    try:
        emails.send_time_invitation(firm=firm, account=account, language=language)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@firm_task(
    bind=True,
    max_retries=5,
    default_retry_delay=30,
    name="subscriptions.tasks.time_invitation_accepted_email",
)
def time_invitation_accepted_email(self, firm: Firm, time_account_id: int) -> None:
    """Tell the firm (the accountant who sent the invitation and the connected
    accountants, or the primary admin) that the client accepted."""
    account = selectors.time_account_accepted(firm=firm, time_account_id=time_account_id)
    if account is None:
        return
    try:
        emails.send_time_invitation_accepted(firm=firm, account=account)
    except OSError as exc:
        raise self.retry(exc=exc) from exc
