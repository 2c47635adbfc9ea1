"""Managing client access from the pages (R30, R32): the Firm team tab of a client's
profile, a member's client list on the Team page, the access mode, and the client
list's bulk actions. Admins can; standard members are refused and nothing changes;
bad input (a member of another firm, a deactivated member, a client of another
firm, an end date in the past, a malformed date) is refused with its message. The
bulk actions are in test_access_bulk.py."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.models import ClientAssignment
from practice.models import ActivityEvent, ClientAccess
from tests.practice.factories import MembershipFactory

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(today_is):
    today_is(TODAY)


def grants():
    with scopes_disabled():
        return sorted(
            (a.client_id, a.membership_id, a.ends_on) for a in ClientAssignment.objects.all()
        )


def assign(client, membership, ends_on=None):
    with scopes_disabled():
        return ClientAssignment.objects.create(
            firm=client.firm, client=client, membership=membership, ends_on=ends_on
        )


def access_events():
    with scopes_disabled():
        return list(
            ActivityEvent.objects.filter(verb__startswith="client.access").values_list(
                "verb", flat=True
            )
        )


def text(response) -> str:
    return response.content.decode()


# The Firm team tab of the profile ----------------------------------------------------


def test_r30_profile_shows_lead_and_assigned_members_with_end_dates(
    client_for, urls, make_client, admin_member, helper, standard_member
):
    acme = make_client(display_name="Acme", lead_accountant=standard_member)
    assign(acme, helper, ends_on=datetime.date(2027, 3, 31))
    response = client_for(admin_member).get(urls("detail", client_id=acme.pk) + "?tab=firm_team")
    assert response.status_code == 200
    body = text(response)
    assert str(standard_member.user) in body
    assert "Hélène Aide" in body
    assert "until 31/03/2027" in body
    assert 'data-testid="firm-team-form"' in body


def test_r30_standard_member_sees_the_firm_team_read_only(
    client_for, urls, make_client, standard_member, helper
):
    acme = make_client(display_name="Acme")
    assign(acme, helper)
    body = text(
        client_for(standard_member).get(urls("detail", client_id=acme.pk) + "?tab=firm_team")
    )
    assert "Hélène Aide" in body
    assert "No end date" in body
    assert 'data-testid="firm-team-form"' not in body
    assert 'data-testid="assignment-actions"' not in body


def test_r30_r32_admin_adds_a_member_with_an_end_date(
    client_for, urls, make_client, admin_member, helper
):
    acme = make_client()
    response = client_for(admin_member).post(
        urls("firm_team_add", client_id=acme.pk),
        {"membership": helper.pk, "ends_on": "2026-06-30"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=firm_team")
    assert grants() == [(acme.pk, helper.pk, datetime.date(2026, 6, 30))]
    assert access_events() == ["client.access_granted"]


def test_r30_adding_with_htmx_answers_the_tab_with_a_notice(
    client_for, urls, make_client, admin_member, helper
):
    acme = make_client(display_name="Acme")
    response = client_for(admin_member).post(
        urls("firm_team_add", client_id=acme.pk),
        {"membership": helper.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="client-tab",
    )
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<div id="client-tab">')
    assert "Hélène Aide is on the firm team of Acme." in body
    assert grants() == [(acme.pk, helper.pk, None)]


def test_r30_admin_changes_an_end_date_then_clears_it(
    client_for, urls, make_client, admin_member, helper
):
    acme = make_client()
    assign(acme, helper, ends_on=datetime.date(2026, 4, 1))
    web = client_for(admin_member)
    url = urls("firm_team_end", client_id=acme.pk, membership_id=helper.pk)
    assert web.post(url, {"ends_on": "2026-12-31"}).status_code == 302
    assert grants() == [(acme.pk, helper.pk, datetime.date(2026, 12, 31))]
    assert web.post(url, {"ends_on": ""}).status_code == 302
    assert grants() == [(acme.pk, helper.pk, None)]


def test_r30_no_end_date_to_change_for_a_member_not_on_the_team(
    client_for, urls, make_client, admin_member, helper
):
    """The end-date form is not a back door to adding someone: 404, nothing granted."""
    acme = make_client()
    url = urls("firm_team_end", client_id=acme.pk, membership_id=helper.pk)
    assert client_for(admin_member).post(url, {"ends_on": "2026-12-31"}).status_code == 404
    assert grants() == []


def test_r30_admin_removes_a_member(client_for, urls, make_client, admin_member, helper):
    acme = make_client()
    assign(acme, helper)
    response = client_for(admin_member).post(
        urls("firm_team_remove", client_id=acme.pk, membership_id=helper.pk)
    )
    assert response.status_code == 302
    assert grants() == []
    assert access_events() == ["client.access_removed"]


@pytest.mark.parametrize("action", ["add", "end", "remove"])
def test_r30_standard_member_is_refused_and_nothing_changes(
    client_for, urls, make_client, standard_member, helper, action
):
    acme = make_client()
    assign(acme, helper, ends_on=datetime.date(2026, 4, 1))
    before = grants()
    if action == "add":
        url, data = urls("firm_team_add", client_id=acme.pk), {"membership": standard_member.pk}
    elif action == "end":
        url = urls("firm_team_end", client_id=acme.pk, membership_id=helper.pk)
        data = {"ends_on": "2027-01-01"}
    else:
        url, data = urls("firm_team_remove", client_id=acme.pk, membership_id=helper.pk), {}
    response = client_for(standard_member).post(url, data)
    assert response.status_code == 403
    assert "Only the firm&#x27;s admins manage client access." in text(response)
    assert grants() == before
    assert access_events() == []


def _member_of_other_firm(other_firm):
    with scopes_disabled():
        return MembershipFactory(firm=other_firm).pk


def _deactivated(firm):
    with scopes_disabled():
        return MembershipFactory(firm=firm, is_active=False).pk


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_firm_member", "Choose a member of this firm&#x27;s team."),
        ("deactivated", "This person is deactivated: reactivate them first."),
        ("past", "The end date can&#x27;t be in the past."),
        ("malformed", "Enter a valid date."),
    ],
)
def test_r30_bad_input_on_the_profile_is_refused_in_place(
    client_for, urls, make_client, admin_member, helper, firm, other_firm, case, message
):
    acme = make_client()
    data = {"membership": helper.pk, "ends_on": ""}
    if case == "other_firm_member":
        data["membership"] = _member_of_other_firm(other_firm)
    elif case == "deactivated":
        data["membership"] = _deactivated(firm)
    elif case == "past":
        data["ends_on"] = "2026-03-01"
    else:
        data["ends_on"] = "2026-02-30"
    for htmx in (False, True):
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "client-tab"} if htmx else {}
        response = client_for(admin_member).post(
            urls("firm_team_add", client_id=acme.pk), data, **headers
        )
        assert response.status_code == 400
        assert message in text(response)
        assert 'data-testid="firm-team-form"' in text(response)
    assert grants() == []
    assert access_events() == []


def test_r30_a_past_end_date_on_a_change_is_refused_in_the_row(
    client_for, urls, make_client, admin_member, helper
):
    acme = make_client()
    assign(acme, helper, ends_on=datetime.date(2026, 4, 1))
    response = client_for(admin_member).post(
        urls("firm_team_end", client_id=acme.pk, membership_id=helper.pk),
        {"ends_on": "2025-12-31"},
    )
    assert response.status_code == 400
    body = text(response)
    assert "The end date can&#x27;t be in the past." in body
    assert 'value="2025-12-31"' in body
    assert grants() == [(acme.pk, helper.pk, datetime.date(2026, 4, 1))]


def test_r30_a_client_of_another_firm_is_not_found(
    client_for, admin_member, helper, other_firm, make_client
):
    foreign = make_client(firm=other_firm)
    url = reverse(
        "clients:firm_team_add",
        kwargs={"firm_slug": admin_member.firm.slug, "client_id": foreign.pk},
    )
    assert client_for(admin_member).post(url, {"membership": helper.pk}).status_code == 404
    assert grants() == []


# The Team page and a member's clients -------------------------------------------------


def _team_url(firm, name="team", **kwargs):
    return reverse(name, kwargs={"firm_slug": firm.slug, **kwargs})


def test_r30_team_page_shows_the_access_mode_and_a_choice_for_standard_members(
    client_for, firm, primary_admin, admin_member, helper, make_client
):
    assign(make_client(), helper)
    body = text(client_for(admin_member).get(_team_url(firm)))
    assert f'action="{_team_url(firm, "member_access", membership_id=helper.pk)}"' in body
    assert f'action="{_team_url(firm, "member_access", membership_id=admin_member.pk)}"' not in body
    assert "Assigned clients (1)" in body
    assert f'id="access-{helper.pk}"' in body


def test_r30_standard_member_sees_the_modes_without_a_choice(
    client_for, firm, standard_member, helper
):
    body = text(client_for(standard_member).get(_team_url(firm)))
    assert "Assigned clients only" in body
    assert "member_access" not in body
    assert 'name="client_access"' not in body


def test_r30_r32_admin_switches_a_member_to_assigned_clients_only(
    client_for, firm, admin_member, standard_member
):
    response = client_for(admin_member).post(
        _team_url(firm, "member_access", membership_id=standard_member.pk),
        {"client_access": "assigned"},
    )
    assert response.status_code == 302
    standard_member.refresh_from_db()
    assert standard_member.client_access == ClientAccess.ASSIGNED
    with scopes_disabled():
        assert ActivityEvent.objects.filter(verb="member.client_access_changed").count() == 1


def test_r30_an_admin_cannot_be_restricted(client_for, firm, primary_admin, admin_member):
    response = client_for(primary_admin).post(
        _team_url(firm, "member_access", membership_id=admin_member.pk),
        {"client_access": "assigned"},
        follow=True,
    )
    assert "Admins always reach every client." in text(response)
    admin_member.refresh_from_db()
    assert admin_member.client_access == ClientAccess.ALL


def test_r30_standard_member_cannot_switch_modes(client_for, firm, standard_member, helper):
    response = client_for(standard_member).post(
        _team_url(firm, "member_access", membership_id=helper.pk), {"client_access": "all"}
    )
    assert response.status_code == 403
    helper.refresh_from_db()
    assert helper.client_access == ClientAccess.ASSIGNED


def test_r30_member_page_lists_assigned_clients_and_finds_clients_to_add(
    client_for, firm, admin_member, helper, make_client
):
    kept = make_client(display_name="Boulangerie Martin", client_number="B-1")
    assign(kept, helper, ends_on=datetime.date(2026, 12, 31))
    other = make_client(display_name="Boucherie Durand", client_number="B-2")
    make_client(display_name="Garage Leroy", client_number="G-1")
    web = client_for(admin_member)
    url = _team_url(firm, "member_clients", membership_id=helper.pk)
    body = text(web.get(url))
    assert "Boulangerie Martin" in body and "until 31/12/2026" in body

    found = text(
        web.get(url, {"q": "bou"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="access-search-results")
    )
    assert found.lstrip().startswith('<div id="access-search-results"')
    assert f'value="{other.pk}"' in found
    assert f'value="{kept.pk}"' not in found  # already on the list
    assert "Garage Leroy" not in found
    by_number = text(web.get(url, {"q": "G-"}))
    assert "Garage Leroy" in by_number


def test_r30_admin_adds_clients_from_the_search_and_removes_one(
    client_for, firm, admin_member, helper, make_client
):
    a, b = make_client(display_name="A"), make_client(display_name="B")
    web = client_for(admin_member)
    add = _team_url(firm, "member_clients_add", membership_id=helper.pk)
    response = web.post(add, {"ids": [a.pk, b.pk], "ends_on": "2026-09-30"})
    assert response.status_code == 302
    end = datetime.date(2026, 9, 30)
    assert grants() == sorted([(a.pk, helper.pk, end), (b.pk, helper.pk, end)])

    remove = _team_url(firm, "member_clients_remove", membership_id=helper.pk, client_id=a.pk)
    response = web.post(remove, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="member-access")
    assert response.status_code == 200
    assert "A was removed from the list of Hélène Aide." in text(response)
    assert grants() == [(b.pk, helper.pk, end)]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_firm_client", "This client is not one of the firm&#x27;s clients."),
        ("past", "The end date can&#x27;t be in the past."),
        ("none", "Select at least one client."),
        ("deactivated_member", "This person is deactivated: reactivate them first."),
    ],
)
def test_r30_bad_input_on_the_member_page_is_refused_in_place(
    client_for, firm, other_firm, admin_member, helper, make_client, case, message
):
    mine = make_client()
    member = helper
    data = {"ids": [mine.pk], "ends_on": ""}
    if case == "other_firm_client":
        data["ids"].append(make_client(firm=other_firm).pk)
    elif case == "past":
        data["ends_on"] = "2026-01-01"
    elif case == "none":
        data["ids"] = []
    else:
        with scopes_disabled():
            member = MembershipFactory(firm=firm, is_active=False)
    response = client_for(admin_member).post(
        _team_url(firm, "member_clients_add", membership_id=member.pk),
        data,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="member-access",
    )
    assert response.status_code == 400
    assert message in text(response)
    assert grants() == []


def test_r30_member_pages_are_for_admins_and_this_firm_only(
    client_for, firm, other_firm, standard_member, admin_member, helper, make_client
):
    acme = make_client()
    assign(acme, helper)
    page = _team_url(firm, "member_clients", membership_id=helper.pk)
    remove = _team_url(firm, "member_clients_remove", membership_id=helper.pk, client_id=acme.pk)
    add = _team_url(firm, "member_clients_add", membership_id=helper.pk)
    member = client_for(standard_member)
    assert member.get(page).status_code == 403
    assert member.post(remove).status_code == 403
    assert member.post(add, {"ids": [acme.pk]}).status_code == 403
    foreign = _team_url(firm, "member_clients", membership_id=_member_of_other_firm(other_firm))
    assert client_for(admin_member).get(foreign).status_code == 404
    assert grants() == [(acme.pk, helper.pk, None)]
