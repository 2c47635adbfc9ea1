"""The count of a restricted member's clients (R30, R31) is read from their grants'
own copy of the client's status: it must follow every status change, grant and
hand-over, and agree with the clients the member reaches."""

import datetime
import threading
import time

import pytest
from django_scopes import scope, scopes_disabled

from clients import assignments, services
from clients.access import clients_reachable, reachable_count
from clients.models import ClientAssignment, ClientStatus
from practice.models import ClientAccess
from tests.practice.factories import MembershipFactory
from tests.races import postgresql_only, race

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(firm, primary_admin):
    with scopes_disabled():
        return MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)


def total(web, urls, query=""):
    response = web.get(urls("list") + query)
    assert response.status_code == 200
    return response.context["page"].total


def slow_count(membership, *, active_only):
    """The same figure the long way: every reachable client, tested one by one."""
    with scope(firm=membership.firm):
        reachable = clients_reachable(membership=membership)
        if active_only:
            reachable = reachable.filter(status=ClientStatus.ACTIVE)
        return reachable.count()


def test_r30_the_restricted_count_follows_a_status_change(
    client_for, firm, primary_admin, restricted, make_client, urls
):
    clients = [make_client(display_name=f"Assigned {i}") for i in range(3)]
    with scope(firm=firm):
        for client in clients:
            assignments.client_assign(
                firm=firm, client=client, membership=restricted, by=primary_admin
            )
    web = client_for(restricted)
    assert total(web, urls) == 3
    with scope(firm=firm):
        services.client_set_status(
            firm=firm, client=clients[0], by=primary_admin, status=ClientStatus.INACTIVE
        )
    assert total(web, urls) == 2
    assert total(web, urls, "?inactive=1") == 3
    with scope(firm=firm):
        services.client_set_status(
            firm=firm, client=clients[0], by=primary_admin, status=ClientStatus.ACTIVE
        )
    assert total(web, urls) == 3


def test_r30_a_grant_on_an_inactive_client_is_not_counted_among_the_active(
    client_for, firm, primary_admin, restricted, make_client, urls
):
    dormant = make_client(display_name="Dormant", status=ClientStatus.INACTIVE)
    with scope(firm=firm):
        assignments.client_assign(
            firm=firm, client=dormant, membership=restricted, by=primary_admin
        )
        assert ClientAssignment.objects.get(client=dormant).client_active is False
    web = client_for(restricted)
    assert total(web, urls) == 0
    assert total(web, urls, "?inactive=1") == 1


def test_r30_a_client_both_led_and_assigned_is_counted_once(
    client_for, firm, primary_admin, restricted, make_client, urls
):
    led = make_client(display_name="Led and assigned", lead_accountant=restricted)
    with scope(firm=firm):
        assignments.client_assign(firm=firm, client=led, membership=restricted, by=primary_admin)
    assert total(client_for(restricted), urls) == 1


def test_r30_handed_over_grants_keep_the_clients_status(
    firm, primary_admin, restricted, make_client
):
    successor = MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)
    active, dormant = make_client(), make_client(status=ClientStatus.INACTIVE)
    with scope(firm=firm):
        for client in (active, dormant):
            assignments.client_assign(
                firm=firm, client=client, membership=restricted, by=primary_admin
            )
        assignments.assignments_hand_over(
            firm=firm, source=restricted, target=successor, by=primary_admin.user
        )
        copied = dict(
            ClientAssignment.objects.filter(membership=successor).values_list(
                "client_id", "client_active"
            )
        )
    assert copied == {active.pk: True, dormant.pk: False}
    for active_only in (True, False):
        expected = slow_count(successor, active_only=active_only)
        with scope(firm=firm):
            assert reachable_count(membership=successor, active_only=active_only, cap=100) == (
                expected
            )


def test_r30_the_fast_count_agrees_with_the_reachable_clients(
    firm, primary_admin, restricted, make_client, today_is
):
    """A mix of grants (lasting, ended, ending today), led clients and statuses."""
    today_is(datetime.date(2026, 3, 10))
    for i in range(24):
        client = make_client(
            status=ClientStatus.INACTIVE if i % 4 == 0 else ClientStatus.ACTIVE,
            lead_accountant=restricted if i % 5 == 0 else None,
        )
        if i % 3:
            ends_on = [None, datetime.date(2026, 3, 10), datetime.date(2026, 4, 1)][i % 3]
            with scope(firm=firm):
                assignments.client_assign(
                    firm=firm,
                    client=client,
                    membership=restricted,
                    by=primary_admin,
                    ends_on=ends_on,
                )
    today_is(datetime.date(2026, 3, 11))  # the grants ending on the 10th have ended
    for active_only in (True, False):
        expected = slow_count(restricted, active_only=active_only)
        with scope(firm=firm):
            assert (
                reachable_count(membership=restricted, active_only=active_only, cap=100) == expected
            )
            # The cap: one more than asked, no more.
            assert reachable_count(membership=restricted, active_only=active_only, cap=2) == 3
    assert reachable_count(membership=primary_admin, active_only=True, cap=100) is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_a_grant_made_while_the_status_changes_keeps_the_new_status(
    monkeypatch, firm, primary_admin, restricted, make_client
):
    """The grant reads the status under a lock on the client: a status change made
    meanwhile waits for the grant, then updates it too (R30)."""
    client = make_client(display_name="Changing")
    read = threading.Event()
    original = assignments._client_active

    def slow_read(**kwargs):
        active = original(**kwargs)
        read.set()
        time.sleep(0.3)  # the status change tries to write now
        return active

    monkeypatch.setattr(assignments, "_client_active", slow_read)

    def grant():
        with scope(firm=firm):
            assignments.client_assign(
                firm=firm, client=client, membership=restricted, by=primary_admin
            )

    def deactivate():
        read.wait(10)
        with scope(firm=firm):
            services.client_set_status(
                firm=firm, client=client, by=primary_admin, status=ClientStatus.INACTIVE
            )

    race(grant, deactivate)
    with scope(firm=firm):
        assert ClientAssignment.objects.get(client=client).client_active is False
        assert reachable_count(membership=restricted, active_only=True, cap=10) == 0


def test_r30_the_count_holds_the_members_own_grants_only(
    client_for, firm, primary_admin, restricted, make_client, urls
):
    """Another member's grants in the same firm add nothing to this member's count."""
    with scopes_disabled():
        colleague = MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)
    mine = make_client(display_name="Mine")
    theirs = [make_client(display_name=f"Theirs {i}") for i in range(2)]
    with scope(firm=firm):
        assignments.client_assign(firm=firm, client=mine, membership=restricted, by=primary_admin)
        for client in theirs:
            assignments.client_assign(
                firm=firm, client=client, membership=colleague, by=primary_admin
            )
    assert total(client_for(restricted), urls) == 1
    assert total(client_for(colleague), urls) == 2
    with scope(firm=firm):
        assert reachable_count(membership=restricted, active_only=False, cap=10) == 1
