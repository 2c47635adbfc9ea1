"""Which events reach an endpoint, and what they carry: the apps below announce what
happened with signals (clients, imports, subscriptions, billing) and webhooks turns
each into an event for the firm's endpoints that chose it, and for no other firm's."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from billing import services as billing_services
from clients import services as client_services
from clients.companies import transfers
from practice.tenancy import firm_scope
from subscriptions import services as subscription_services
from tests.clients.factories import ClientFactory, CompanyFactory, connect, portal_user
from tests.practice.factories import FirmFactory, MembershipFactory
from tests.subscriptions.factories import SubscriptionFactory, product
from tests.webhooks.helpers import add_client, deliveries
from webhooks import services
from webhooks.models import EventType

pytestmark = pytest.mark.django_db


def _bodies(receiver, event_type=None):
    assert all(r.verified for r in receiver.requests), [r.reason for r in receiver.requests]
    return [r.json for r in receiver.requests if event_type in (None, r.json["type"])]


def test_r35_an_endpoint_of_firm_a_never_receives_firm_bs_events(
    firm, other_firm, primary_admin, receivers, make_endpoint, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        other_admin = MembershipFactory(firm=other_firm, role="primary_admin")
    receiver_a, receiver_b = receivers(), receivers()
    make_endpoint(receiver_a)
    make_endpoint(receiver_b, target_firm=other_firm)
    capture = django_capture_on_commit_callbacks
    add_client(firm, primary_admin, capture, display_name="Client of A")
    add_client(other_firm, other_admin, capture, display_name="Client of B1")
    add_client(other_firm, other_admin, capture, display_name="Client of B2")
    assert [(b["firm"]["id"], b["data"]["display_name"]) for b in _bodies(receiver_a)] == [
        (firm.pk, "Client of A")
    ]
    assert [(b["firm"]["id"], b["data"]["display_name"]) for b in _bodies(receiver_b)] == [
        (other_firm.pk, "Client of B1"),
        (other_firm.pk, "Client of B2"),
    ]


def test_r35_firm_bs_events_stay_in_firm_b_with_scoping_lifted(
    firm, other_firm, receivers, make_endpoint, django_capture_on_commit_callbacks
):
    """Cross-firm flows (transfers) run with scoping lifted: the lookup of endpoints
    still keeps to the event's firm on its own."""
    receiver_a, receiver_b = receivers(), receivers()
    make_endpoint(receiver_a)
    make_endpoint(receiver_b, target_firm=other_firm)
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        services.events_emit(
            firm=other_firm, event_type=EventType.CLIENT_DELETED, items=[{"id": 1}]
        )
    assert receiver_a.requests == []
    assert [b["firm"]["id"] for b in _bodies(receiver_b)] == [other_firm.pk]


def test_r35_endpoints_get_only_the_events_they_chose_and_none_while_off(
    firm, primary_admin, receivers, make_endpoint, django_capture_on_commit_callbacks
):
    deletions, off, creations = receivers(), receivers(), receivers()
    make_endpoint(deletions, events=[EventType.CLIENT_DELETED])
    make_endpoint(off, is_enabled=False)
    creations_endpoint = make_endpoint(creations, events=[EventType.CLIENT_CREATED])
    add_client(firm, primary_admin, django_capture_on_commit_callbacks)
    assert deletions.requests == [] and off.requests == []
    assert len(creations.requests) == 1 and len(deliveries(creations_endpoint)) == 1


def test_r35_client_updated_carries_the_fields_that_changed(
    firm, primary_admin, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(receiver, events=[EventType.CLIENT_UPDATED])
    client = add_client(firm, primary_admin, django_capture_on_commit_callbacks)
    capture = django_capture_on_commit_callbacks
    with firm_scope(firm), capture(execute=True):
        client = client_services.client_update(
            firm=firm,
            client=client,
            by=primary_admin,
            version=client.version,
            client_number="N-7",
            phone="01 02 03 04 05",
        )
        client_services.client_set_status(
            firm=firm, client=client, by=primary_admin, status="inactive"
        )
        # An edit that changes nothing announces nothing.
        client_services.client_update(
            firm=firm,
            client=client,
            by=primary_admin,
            version=client.version + 1,
            phone=client.phone,
        )
    first, second = _bodies(receiver)
    assert first["type"] == "client.updated"
    assert first["data"]["changed_fields"] == ["client_number", "phone"]
    assert (first["data"]["client_number"], first["data"]["phone"]) == ("N-7", "01 02 03 04 05")
    assert second["data"]["changed_fields"] == ["status"]
    assert second["data"]["status"] == "inactive"


def test_r35_bulk_lead_changes_announce_each_client(
    firm, primary_admin, admin_member, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(receiver, events=[EventType.CLIENT_UPDATED])
    with scopes_disabled():
        clients = [ClientFactory(firm=firm, lead_accountant=primary_admin) for _ in range(3)]
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        client_services.clients_bulk_assign_lead(
            firm=firm,
            client_ids=[c.pk for c in clients[:2]],
            lead_accountant=admin_member,
            by=primary_admin,
        )
        client_services.clients_reassign_lead(
            firm=firm, source=admin_member, target=primary_admin, by=primary_admin.user
        )
    leads = [(b["data"]["id"], b["data"]["lead_accountant"]["id"]) for b in _bodies(receiver)]
    assert leads == [
        (clients[0].pk, admin_member.pk),
        (clients[1].pk, admin_member.pk),
        (clients[0].pk, primary_admin.pk),
        (clients[1].pk, primary_admin.pk),
    ]


def test_r35_client_deleted_carries_its_ids(
    firm, primary_admin, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(receiver, events=[EventType.CLIENT_DELETED])
    client = add_client(
        firm, primary_admin, django_capture_on_commit_callbacks, client_number="D-1"
    )
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        client_services.client_delete(firm=firm, client=client, by=primary_admin)
    [body] = _bodies(receiver)
    assert body["type"] == "client.deleted"
    assert body["data"] == {
        "id": client.pk,
        "company_id": client.company_id,
        "client_number": "D-1",
        "display_name": client.display_name,
    }


def test_r35_import_finished_carries_the_counts(
    firm, make_clients, run_import, receiver, make_endpoint
):
    make_endpoint(receiver, events=[EventType.IMPORT_FINISHED])
    first, second = make_clients("A-1", "A-2")
    data = (
        "Company ID,Display name,Client number\r\n"
        f"{first.company_id},{first.display_name},B-1\r\n"
        f"{second.company_id},{second.display_name},A-2\r\n"
        "unknown,Nobody,C-3\r\n"
    ).encode()
    job = run_import(data)
    [body] = _bodies(receiver)
    assert body["type"] == "import.finished"
    assert body["data"]["id"] == job.pk
    assert (body["data"]["mode"], body["data"]["status"]) == ("import", "done")
    assert (body["data"]["updated"], body["data"]["unchanged"], body["data"]["failed"]) == (1, 1, 1)


def test_r35_a_failed_import_is_announced_too(
    firm, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    """An import whose worker died too often fails for good: announced as failed."""
    from imports import tasks as import_tasks
    from imports.engine.run import MAX_ATTEMPTS
    from imports.models import ImportJob, ImportStatus

    make_endpoint(receiver, events=[EventType.IMPORT_FINISHED])
    with scopes_disabled():
        job = ImportJob.objects.create(
            firm=firm,
            mode="import",
            file="imports/missing.csv",
            original_filename="clients.csv",
            status=ImportStatus.RUNNING,
            attempts=MAX_ATTEMPTS,
            heartbeat_at=timezone.now() - datetime.timedelta(hours=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        import_tasks.imports_requeue_stale.delay(stale_after=60)
    [body] = _bodies(receiver)
    assert body["data"]["id"] == job.pk
    assert (body["data"]["status"], body["data"]["failure_code"]) == ("failed", "worker_lost")


def test_r35_subscription_changed_says_what_changed(
    firm,
    primary_admin,
    wholesale,
    complete_profile,
    receiver,
    make_endpoint,
    django_capture_on_commit_callbacks,
):
    make_endpoint(receiver, events=[EventType.SUBSCRIPTION_CHANGED])
    sub = wholesale("essentials")
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        subscription_services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("plus"),
            direction="upgrade",
            by=primary_admin,
        )
        subscription_services.subscription_remove_from_wholesale(
            firm=firm, subscription=sub, by=primary_admin
        )
    upgraded, removed = _bodies(receiver)
    assert upgraded["data"]["change"] == "upgraded"
    assert upgraded["data"]["product"]["code"] == "plus"
    assert upgraded["data"]["client"]["company_id"] == sub.client.company_id
    assert (removed["data"]["change"], removed["data"]["billing"]) == (
        "removed_from_wholesale",
        "direct",
    )


def test_r35_statement_issued_carries_the_totals(
    firm, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(receiver, events=[EventType.STATEMENT_ISSUED])
    with scopes_disabled():
        client = ClientFactory(firm=firm, initial_billing="wholesale")
        SubscriptionFactory(
            client=client, product=product("essentials"), start_date=datetime.date(2025, 1, 1)
        )
    with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
        statement = billing_services.statement_generate(firm=firm, year=2025, month=2)
    [body] = _bodies(receiver)
    assert body["type"] == "statement.issued"
    assert (body["data"]["id"], body["data"]["month"]) == (statement.pk, "2025-02")
    assert body["data"]["totals"] == [
        {
            "currency": "EUR",
            "list_amount": "28.00",
            "discount_amount": "8.40",
            "net_amount": "19.60",
            "line_count": 1,
        }
    ]


def test_r35_a_transfer_is_a_deletion_for_the_old_firm_and_an_addition_for_the_new(
    receivers, make_endpoint, run_on_commit
):
    with scopes_disabled():
        old_firm, new_firm = FirmFactory(), FirmFactory()
        MembershipFactory(firm=old_firm, role="primary_admin")
        new_admin = MembershipFactory(firm=new_firm, role="primary_admin")
        company = CompanyFactory(name="Garage du Port")
        old_client = connect(company, old_firm)
    old_receiver, new_receiver = receivers(), receivers()
    make_endpoint(old_receiver, target_firm=old_firm)
    make_endpoint(new_receiver, target_firm=new_firm)
    invitation = transfers.accountant_invitation_create(
        company=company, email=new_admin.user.email, kind="transfer", by=portal_user(company)
    )
    with scopes_disabled():
        new_client = transfers.accountant_invitation_accept(
            invitation=invitation, membership=new_admin
        )
    assert [(b["type"], b["data"]["id"]) for b in _bodies(old_receiver)] == [
        ("client.deleted", old_client.pk)
    ]
    assert [(b["type"], b["data"]["id"]) for b in _bodies(new_receiver)] == [
        ("client.created", new_client.pk)
    ]
