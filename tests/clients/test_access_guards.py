"""The client access helpers themselves (R30, R31), without the pages around them:
both forms of `clients_reachable` agree, `can_reach` answers for every kind of
member, and the firm filters hold where no scope is entered."""

import datetime

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from clients.access import (
    access_client_by_id,
    can_reach,
    clients_for_billing,
    clients_reachable,
)
from clients.models import ClientAssignment
from practice.models import ClientAccess
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def restricted(firm, primary_admin):
    with scopes_disabled():
        return MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)


@pytest.fixture
def grants(today_is, firm, primary_admin, restricted, standard_member, make_client):
    """Clients by how the restricted member relates to them, on TODAY."""
    today_is(TODAY)
    made = {
        name: make_client(display_name=name)
        for name in ("assigned", "until_today", "ended", "led", "others", "nobody")
    }
    with scopes_disabled():
        made["led"].lead_accountant = restricted
        made["led"].save()
        for name, member, ends_on in (
            ("assigned", restricted, None),
            ("until_today", restricted, TODAY),
            ("ended", restricted, TODAY - datetime.timedelta(days=1)),
            ("others", standard_member, None),
        ):
            ClientAssignment.objects.create(
                firm=firm, client=made[name], membership=member, ends_on=ends_on
            )
    return made


def _names(queryset):
    return sorted(client.display_name for client in queryset)


def test_r30_r31_both_forms_of_the_reachable_clients_agree(firm, restricted, grants):
    """The counting form (driven by the grants) holds the same clients as the
    reading form: live grants of this member and the clients they lead."""
    reachable = ["assigned", "led", "until_today"]
    with scope(firm=firm):
        assert _names(clients_reachable(membership=restricted)) == reachable
        assert _names(clients_reachable(membership=restricted, to_count=True)) == reachable
        assert clients_reachable(membership=restricted, to_count=True).count() == 3


def test_r30_can_reach_answers_for_admins_leads_grants_and_other_firms(
    firm, other_firm, primary_admin, restricted, standard_member, grants, make_client
):
    foreign = make_client(firm=other_firm, display_name="foreign")
    with scope(firm=firm):
        for name in ("nobody", "ended", "others"):
            assert can_reach(membership=primary_admin, client=grants[name])
            assert can_reach(membership=standard_member, client=grants[name])
            assert not can_reach(membership=restricted, client=grants[name])
        for name in ("assigned", "until_today", "led"):
            assert can_reach(membership=restricted, client=grants[name])
    with scopes_disabled():
        assert not can_reach(membership=primary_admin, client=foreign)
        assert not can_reach(membership=standard_member, client=foreign)


def test_r31_can_reach_asks_the_database_only_about_a_restricted_members_grants(
    django_assert_num_queries, firm, primary_admin, restricted, grants
):
    with scope(firm=firm), django_assert_num_queries(0):
        assert can_reach(membership=primary_admin, client=grants["nobody"])
        assert can_reach(membership=restricted, client=grants["led"])
    with scope(firm=firm), django_assert_num_queries(1):
        assert can_reach(membership=restricted, client=grants["assigned"])


def test_r31_a_client_by_id_comes_with_its_lead_accountant(
    django_assert_num_queries, firm, restricted, grants
):
    with scope(firm=firm), django_assert_num_queries(1):
        client = access_client_by_id(membership=restricted, client_id=grants["led"].pk)
        assert client.lead_accountant.user.email == restricted.user.email


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="PostgreSQL refuses the row itself: the lead key carries the firm",
)
def test_r1_r30_the_billing_list_keeps_to_the_firm_without_a_scope(
    firm, other_firm, admin_member, make_client
):
    """An admin limited to their own clients on billing: a row of another firm that
    names them as lead (written past the app's checks) stays out, scope or not."""
    mine = make_client(display_name="mine", lead_accountant=admin_member)
    make_client(firm=other_firm, display_name="foreign", lead_accountant=admin_member)
    with scopes_disabled():
        firm.billing_assigned_only = True
        firm.save()
        admin_member.refresh_from_db()
        assert list(clients_for_billing(membership=admin_member)) == [mine]
