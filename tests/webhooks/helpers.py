from django_scopes import scopes_disabled

from clients import services as client_services
from clients.models import ClientType
from practice.tenancy import firm_scope
from webhooks.models import DeliveryAttempt, WebhookDelivery


def add_client(firm, by, capture, **fields):
    """Add a client through the service, running the on-commit callbacks (the
    deliveries) as a commit would."""
    fields.setdefault("client_type", ClientType.BUSINESS)
    fields.setdefault("display_name", "Boulangerie Dupont")
    with firm_scope(firm), capture(execute=True):
        return client_services.client_create(firm=firm, by=by, **fields)


def deliveries(endpoint):
    with scopes_disabled():
        return list(
            WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("pk")
        )


def attempts(endpoint):
    with scopes_disabled():
        return list(DeliveryAttempt.objects.filter(endpoint=endpoint).order_by("pk"))


def refreshed(obj):
    with scopes_disabled():
        obj.refresh_from_db()
    return obj
