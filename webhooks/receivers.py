"""How webhooks answer the signals of the apps below (connected in WebhooksConfig.ready):
each becomes an event for the firm's endpoints that chose it. The event data is
built only when some endpoint wants it."""

from webhooks import payloads, services
from webhooks.models import EventType


def _one(build, obj, **options):
    yield build(obj, **options)


def client_created(sender, *, firm, client, **kwargs) -> None:
    services.events_emit(
        firm=firm, event_type=EventType.CLIENT_CREATED, items=_one(payloads.client, client)
    )


def clients_updated(sender, *, firm, clients, fields, **kwargs) -> None:
    services.events_emit(
        firm=firm,
        event_type=EventType.CLIENT_UPDATED,
        items=(payloads.client(client, changed=fields) for client in clients),
    )


def client_deleted(sender, *, firm, client, **kwargs) -> None:
    services.events_emit(
        firm=firm,
        event_type=EventType.CLIENT_DELETED,
        items=_one(payloads.client_deleted, client),
    )


def import_finished(sender, *, firm, job, **kwargs) -> None:
    services.events_emit(
        firm=firm, event_type=EventType.IMPORT_FINISHED, items=_one(payloads.import_job, job)
    )


def subscription_changed(sender, *, firm, subscription, change, **kwargs) -> None:
    services.events_emit(
        firm=firm,
        event_type=EventType.SUBSCRIPTION_CHANGED,
        items=_one(payloads.subscription, subscription, change=change),
    )


def statement_issued(sender, *, firm, statement, **kwargs) -> None:
    services.events_emit(
        firm=firm,
        event_type=EventType.STATEMENT_ISSUED,
        items=_one(payloads.statement, statement),
    )
