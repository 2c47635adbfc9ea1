"""R35: each delivery is signed (HMAC-SHA256 over the timestamp and the body), sent
by a Celery task after the commit, retried with exponential back-off, logged, and
the endpoint is turned off after repeated failures with an e-mail to the admins.

A real HTTP receiver (tests.webhooks.receiver) checks every request as a firm's
service would; Celery runs eagerly, and each retry is run by calling the task once
its time has come (time-machine moves the clock)."""

import datetime

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from practice.models import ActivityEvent
from practice.tenancy import firm_scope
from tests.practice.factories import MembershipFactory
from tests.webhooks.helpers import add_client, attempts, deliveries, refreshed
from webhooks import delivery, services, tasks
from webhooks.models import DeliveryStatus, DisabledReason, EventType

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(monkeypatch):
    """The countdowns the task asked for its next attempts; those messages are kept
    back, and the test runs each attempt itself once its time has come."""
    countdowns = []
    send_now = tasks.delivery_send.apply_async

    def keep(args=None, kwargs=None, countdown=None, **options):
        if countdown is None:
            return send_now(args, kwargs, **options)
        countdowns.append(countdown)
        return None

    monkeypatch.setattr(tasks.delivery_send, "apply_async", keep)
    return countdowns


def _run_due(firm, delivery_row, time_machine, capture):
    """Move the clock to the delivery's next attempt and run the task (its
    on-commit callbacks, which queue the attempt after it, too)."""
    next_at = refreshed(delivery_row).next_attempt_at
    time_machine.move_to(next_at, tick=False)
    with capture(execute=True):
        tasks.delivery_send.delay(firm.pk, delivery_row.pk)


def test_r35_the_receiver_verifies_the_signature_and_reads_the_client(
    firm, primary_admin, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_CREATED])
    client = add_client(
        firm,
        primary_admin,
        django_capture_on_commit_callbacks,
        display_name="Boulangerie Dupont",
        client_number="C-42",
    )
    [request] = receiver.requests
    assert request.verified, request.reason
    assert request.path == "/hooks/in?source=ledgerly"
    body = request.json
    assert body["type"] == "client.created"
    assert body["id"].startswith("evt_") and request.headers["Ledgerly-Event-Id"] == body["id"]
    assert request.headers["Ledgerly-Event-Type"] == "client.created"
    assert request.headers["Ledgerly-Delivery-Attempt"] == "1"
    assert request.headers["Content-Type"] == "application/json"
    assert body["firm"] == {"id": firm.pk, "slug": firm.slug, "name": firm.name}
    assert body["data"]["id"] == client.pk
    assert body["data"]["company_id"] == client.company_id
    assert body["data"]["client_number"] == "C-42"
    assert body["data"]["display_name"] == "Boulangerie Dupont"
    [row] = deliveries(endpoint)
    assert row.status == DeliveryStatus.SUCCEEDED and row.attempts == 1
    [attempt] = attempts(endpoint)
    assert (attempt.succeeded, attempt.status_code, attempt.number) == (True, 200, 1)
    assert attempt.response_body == '{"received": true}'
    assert attempt.duration_ms is not None and attempt.error_code == ""


def test_r35_a_receiver_with_another_secret_refuses_and_the_attempt_is_logged(
    firm, primary_admin, receiver, make_endpoint, django_capture_on_commit_callbacks, scheduled
):
    """The receiver's check is real: the wrong secret gets a 401, logged as failed."""
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_CREATED])
    receiver.secret = "whsec_not-the-endpoints-secret"
    add_client(firm, primary_admin, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    assert not request.verified and request.reason == "bad signature"
    [attempt] = attempts(endpoint)
    assert (attempt.succeeded, attempt.status_code) == (False, 401)
    assert attempt.response_body == "bad signature"
    [row] = deliveries(endpoint)
    assert row.status == DeliveryStatus.PENDING and scheduled == [30]


def test_r35_a_failing_receiver_gets_retries_with_exponential_backoff(
    firm,
    primary_admin,
    receivers,
    make_endpoint,
    django_capture_on_commit_callbacks,
    scheduled,
    time_machine,
):
    receiver = receivers(status=500, answer=b"database down")
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_CREATED])
    start = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
    time_machine.move_to(start, tick=False)
    add_client(firm, primary_admin, django_capture_on_commit_callbacks)
    [row] = deliveries(endpoint)
    # An early message (a duplicate, or a countdown run short) finds nothing to do.
    tasks.delivery_send.delay(firm.pk, row.pk)
    assert len(receiver.requests) == 1
    for _attempt in range(2, 9):
        _run_due(firm, row, time_machine, django_capture_on_commit_callbacks)
    assert scheduled == [30, 90, 270, 810, 2430, 7290, 21600]
    assert [r.headers["Ledgerly-Delivery-Attempt"] for r in receiver.requests] == [
        str(n) for n in range(1, 9)
    ]
    # The same event every time, each attempt signed afresh with its own timestamp.
    assert len({r.json["id"] for r in receiver.requests}) == 1
    assert all(r.verified for r in receiver.requests)
    stamps = [int(r.headers["Ledgerly-Timestamp"]) for r in receiver.requests]
    waits = [later - earlier for earlier, later in zip(stamps, stamps[1:], strict=False)]
    assert waits == scheduled
    row = refreshed(row)
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 8, None)
    log = attempts(endpoint)
    assert [(a.number, a.status_code, a.succeeded) for a in log] == [
        (n, 500, False) for n in range(1, 9)
    ]
    assert log[0].response_body == "database down"
    endpoint = refreshed(endpoint)
    assert endpoint.failed_deliveries == 1 and endpoint.is_enabled
    # Nothing more is sent once the delivery has failed for good.
    tasks.delivery_send.delay(firm.pk, row.pk)
    assert len(receiver.requests) == 8


def test_r35_a_retry_that_succeeds_ends_the_delivery(
    firm,
    primary_admin,
    receivers,
    make_endpoint,
    django_capture_on_commit_callbacks,
    scheduled,
    time_machine,
):
    receiver = receivers(status=503)
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_CREATED])
    add_client(firm, primary_admin, django_capture_on_commit_callbacks)
    [row] = deliveries(endpoint)
    receiver.status = 204
    _run_due(firm, row, time_machine, django_capture_on_commit_callbacks)
    row = refreshed(row)
    assert (row.status, row.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert scheduled == [30]
    assert [a.succeeded for a in attempts(endpoint)] == [False, True]


def test_r35_after_repeated_failed_deliveries_the_endpoint_is_turned_off_and_admins_emailed(
    settings,
    firm,
    primary_admin,
    standard_member,
    receivers,
    make_endpoint,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    settings.WEBHOOKS_DISABLE_AFTER = 3
    with scopes_disabled():
        french_admin = MembershipFactory(firm=firm, role="admin", user__language="fr")
    receiver = receivers(status=500)
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_CREATED])
    for name in ("A", "B"):
        add_client(firm, primary_admin, django_capture_on_commit_callbacks, display_name=name)
    assert refreshed(endpoint).is_enabled and refreshed(endpoint).failed_deliveries == 2
    assert mail.outbox == []
    add_client(firm, primary_admin, django_capture_on_commit_callbacks, display_name="C")
    endpoint = refreshed(endpoint)
    assert not endpoint.is_enabled
    assert endpoint.disabled_reason == DisabledReason.FAILURES
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {primary_admin.user.email, french_admin.user.email}
    english = by_address[primary_admin.user.email]
    assert "webhook endpoint was turned off" in english.subject
    assert endpoint.url in english.body and "the last 3 deliveries" in english.body
    assert "HTTP 500" in english.body
    assert f"/settings/webhooks/{endpoint.pk}/" in english.body
    assert "point de réception" in by_address[french_admin.user.email].subject
    with scopes_disabled():
        logged = ActivityEvent.objects.get(firm=firm, verb="webhook.endpoint_auto_disabled")
    assert logged.actor is None and logged.target_id == endpoint.pk
    # An endpoint that is off gets no more events.
    add_client(firm, primary_admin, django_capture_on_commit_callbacks, display_name="D")
    assert len(deliveries(endpoint)) == 3 and len(receiver.requests) == 3


def test_r35_a_successful_delivery_starts_the_failure_count_again(
    settings, firm, primary_admin, receivers, make_endpoint, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    settings.WEBHOOKS_DISABLE_AFTER = 2
    receiver = receivers(status=500)
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_CREATED])
    add_client(firm, primary_admin, django_capture_on_commit_callbacks, display_name="A")
    receiver.status = 200
    add_client(firm, primary_admin, django_capture_on_commit_callbacks, display_name="B")
    assert refreshed(endpoint).failed_deliveries == 0
    receiver.status = 500
    add_client(firm, primary_admin, django_capture_on_commit_callbacks, display_name="C")
    endpoint = refreshed(endpoint)
    assert endpoint.is_enabled and endpoint.failed_deliveries == 1
    assert mail.outbox == []


def _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks):
    """Record an event for the endpoint without running its task (no commit yet):
    the new delivery, and the callback that queues its task."""
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.events_emit(
            firm=firm, event_type=EventType.CLIENT_DELETED, items=[{"id": 1, "company_id": "X"}]
        )
    assert len(callbacks) == 1
    return deliveries(endpoint)[-1], callbacks[0]


def test_r35_a_duplicate_task_message_sends_once(
    firm, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    row, _send = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    tasks.delivery_send.delay(firm.pk, row.pk)
    tasks.delivery_send.delay(firm.pk, row.pk)
    assert len(receiver.requests) == 1
    assert len(attempts(endpoint)) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(
    firm, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    from django.db import transaction

    make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    with (
        firm_scope(firm),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.events_emit(firm=firm, event_type=EventType.CLIENT_DELETED, items=[{"id": 1}])
        raise RuntimeError("the change failed")
    assert callbacks == [] and receiver.requests == []


def test_r35_a_waiting_delivery_of_an_endpoint_turned_off_is_not_sent(
    firm, primary_admin, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    row, send = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    with firm_scope(firm):
        services.endpoint_set_enabled(firm=firm, endpoint=endpoint, by=primary_admin, enabled=False)
    send()
    assert receiver.requests == []
    row = refreshed(row)
    assert (row.status, row.attempts) == (DeliveryStatus.CANCELLED, 0)


def test_r35_the_test_event_is_tried_once_and_does_not_count_as_a_failure(
    firm, primary_admin, receivers, make_endpoint, django_capture_on_commit_callbacks, scheduled
):
    receiver = receivers(status=500)
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED], is_enabled=False)
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        services.endpoint_test_send(firm=firm, endpoint=endpoint, by=primary_admin)
    [request] = receiver.requests
    assert request.verified and request.json["type"] == "webhook.test"
    assert request.json["data"]["endpoint_id"] == endpoint.pk
    [row] = deliveries(endpoint)
    assert row.status == DeliveryStatus.FAILED and scheduled == []
    assert refreshed(endpoint).failed_deliveries == 0


def test_r35_lost_messages_are_queued_again_by_the_sweep(
    firm, receiver, make_endpoint, django_capture_on_commit_callbacks, travel
):
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    row, _lost = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    assert tasks.deliveries_requeue_due.delay().get() == 0  # not overdue yet
    with travel(minutes=2):
        assert tasks.deliveries_requeue_due.delay().get() == 1
        assert tasks.deliveries_requeue_due.delay().get() == 0
    assert len(receiver.requests) == 1
    assert refreshed(row).status == DeliveryStatus.SUCCEEDED


def test_r35_a_redirect_is_not_followed(
    firm, receivers, make_endpoint, django_capture_on_commit_callbacks
):
    elsewhere = receivers()
    receiver = receivers(status=307, extra_headers={"Location": elsewhere.url})
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    row, send = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    send()
    assert len(receiver.requests) == 1 and elsewhere.requests == []
    [attempt] = attempts(endpoint)
    assert (attempt.succeeded, attempt.status_code, attempt.error_code) == (False, 307, "redirect")


def test_r35_a_slow_receiver_times_out(
    settings, firm, receivers, make_endpoint, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_READ_TIMEOUT = 0.3
    receiver = receivers(delay=2)
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    _row, send = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    send()
    [attempt] = attempts(endpoint)
    assert (attempt.succeeded, attempt.status_code, attempt.error_code) == (False, None, "timeout")
    assert attempt.duration_ms < 2000


def test_old_events_and_their_logs_are_pruned_unless_a_delivery_waits(
    firm, receiver, make_endpoint, django_capture_on_commit_callbacks, travel
):
    endpoint = make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    _done, send = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    send()
    waiting, _lost = _queued_delivery(firm, endpoint, django_capture_on_commit_callbacks)
    with travel(days=31):
        assert delivery.events_prune(keep_days=30) == 1
    assert [d.pk for d in deliveries(endpoint)] == [waiting.pk]
    assert attempts(endpoint) == []
