"""E-mail of the webhooks app: an endpoint was turned off after failed deliveries."""

from django.conf import settings
from django.urls import reverse

from practice.emails import send_templated_mail
from webhooks.models import WebhookEndpoint
from webhooks.selectors import firm_admins, last_failed_attempt


def send_endpoint_disabled(endpoint: WebhookEndpoint) -> None:
    """Tell each admin of the firm, in their language, which endpoint stopped
    receiving events, why, and where to turn it on again."""
    firm = endpoint.firm
    last = last_failed_attempt(endpoint=endpoint)
    context = {
        "firm_name": firm.name,
        "endpoint_url": endpoint.url,
        "failed_deliveries": endpoint.failed_deliveries,
        "disabled_at": endpoint.disabled_at,
        "last_status_code": last.status_code if last else None,
        "last_error": (last.get_error_code_display() if last and last.error_code else ""),
        "page_url": settings.SITE_URL.rstrip("/")
        + reverse("webhooks:detail", kwargs={"firm_slug": firm.slug, "endpoint_id": endpoint.pk}),
    }
    for membership in firm_admins(firm=firm):
        user = membership.user
        send_templated_mail(
            to=[user.email],
            template="webhook_disabled",
            context=context,
            language=user.language or firm.language,
        )
