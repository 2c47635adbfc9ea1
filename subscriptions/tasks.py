from celery import shared_task
from django.conf import settings
from django.urls import reverse

from practice.models import Firm
from practice.tenancy import firm_scope, scopes_disabled


@shared_task
def enrolment_complete(firm_id: int, subscription_id: int) -> bool:
    """Complete one pending wholesale enrolment (R16). Safe to run again: it only
    acts on a pending subscription of a firm whose billing profile is complete."""
    from subscriptions.services import subscription_enrolment_complete

    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return False
    with firm_scope(firm):
        return subscription_enrolment_complete(firm=firm, subscription_id=subscription_id)


@shared_task
def enrolments_sweep() -> int:
    """Beat: retry the enrolments still pending (for instance, the billing profile
    was completed after the client was added)."""
    from subscriptions.models import Billing, Subscription, SubscriptionStatus

    with scopes_disabled():
        pending = list(
            Subscription.objects.filter(
                status=SubscriptionStatus.PENDING, billing=Billing.WHOLESALE
            ).values_list("firm_id", "pk")[:5000]
        )
    for firm_id, pk in pending:
        enrolment_complete.delay(firm_id, pk)
    return len(pending)


@shared_task
def time_employees_import(firm_id: int, setup_id: int) -> int:
    """Import the team members chosen in a Time setup as employees (idempotent)."""
    from subscriptions.app_services import time_employees_import_run

    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return 0
    with firm_scope(firm):
        return time_employees_import_run(firm=firm, setup_id=setup_id)


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def time_invitation_email(self, firm_id: int, time_account_id: int, language: str) -> None:
    """E-mail the Time account admin their invitation. Does nothing once accepted."""
    from practice.emails import send_templated_mail
    from subscriptions import app_services
    from subscriptions.models import TimeAccount

    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return
    with firm_scope(firm):
        account = (
            TimeAccount.objects.filter(firm=firm, pk=time_account_id)
            .select_related("client", "admin", "invited_by", "setup__product")
            .first()
        )
        if account is None or account.accepted_at is not None or account.admin is None:
            return
        context = {
            "firm_name": firm.name,
            "client_name": account.client.display_name,
            "admin_name": account.admin.full_name,
            "inviter": str(account.invited_by or firm.name),
            "account_id": account.account_id,
            "url": app_services.time_invitation_url(account),
            "expires_at": app_services.time_invitation_expires_at(account),
        }
        to = account.admin.email
    try:
        send_templated_mail(to=[to], template="time_invitation", context=context, language=language)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def time_invitation_accepted_email(self, firm_id: int, time_account_id: int) -> None:
    """Tell the firm (the accountant who sent the invitation and the connected
    accountants, or the primary admin) that the client accepted."""
    from practice.emails import send_templated_mail
    from practice.models import Membership, Role
    from subscriptions.models import TimeAccount

    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return
    with firm_scope(firm):
        account = (
            TimeAccount.objects.filter(firm=firm, pk=time_account_id, accepted_at__isnull=False)
            .select_related("client", "admin", "invited_by")
            .first()
        )
        if account is None:
            return
        people = [a.membership.user for a in account.accountants.select_related("membership__user")]
        if account.invited_by is not None:
            people.insert(0, account.invited_by)
        if not people:
            owner = Membership.objects.filter(firm=firm, role=Role.PRIMARY_ADMIN).first()
            people = [owner.user] if owner else []
        recipients = {}
        for person in people:
            recipients.setdefault(person.email.lower(), person)
        context = {
            "firm_name": firm.name,
            "client_name": account.client.display_name,
            "admin_name": str(account.admin or ""),
            "account_id": account.account_id,
            "accepted_at": account.accepted_at,
            "url": settings.SITE_URL.rstrip("/")
            + reverse("subscriptions:app_setup", args=[firm.slug, account.setup_id]),
        }
    try:
        for email, person in recipients.items():
            send_templated_mail(
                to=[email],
                template="time_invitation_accepted",
                context=context,
                language=person.language or firm.language,
            )
    except OSError as exc:
        raise self.retry(exc=exc) from exc
