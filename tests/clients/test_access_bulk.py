"""Managing client access from the client list's bulk actions (R30, R32): admins
assign and remove team members on the selected clients; standard members are
refused; bad input (forged ids included) is refused with its message."""

import datetime

import pytest

from tests.clients.test_access_manage import (
    TODAY,
    _deactivated,
    _member_of_other_firm,
    access_events,
    assign,
    grants,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(today_is):
    today_is(TODAY)


def test_r30_bulk_actions_for_team_access_are_offered_to_admins_only(
    client_for, urls, make_client, admin_member, standard_member
):
    make_client()
    assert 'value="assign_members"' in text(client_for(admin_member).get(urls("list")))
    body = text(client_for(standard_member).get(urls("list")))
    assert 'value="assign_members"' not in body
    assert 'name="members"' not in body


def test_r30_r32_admin_assigns_and_removes_members_in_bulk(
    client_for, urls, make_client, admin_member, helper, standard_member
):
    a, b, c = make_client(), make_client(), make_client()
    web = client_for(admin_member)
    response = web.post(
        urls("bulk"),
        {
            "action": "assign_members",
            "ids": [a.pk, b.pk],
            "members": [helper.pk, standard_member.pk],
            "ends_on": "2026-05-31",
        },
        follow=True,
    )
    end = datetime.date(2026, 5, 31)
    assert grants() == sorted(
        (client.pk, m.pk, end) for client in (a, b) for m in (helper, standard_member)
    )
    assert "added to the firm team of 2 clients." in text(response)
    assert access_events().count("client.access_granted") == 4

    web.post(
        urls("bulk"), {"action": "unassign_members", "ids": [a.pk, c.pk], "members": [helper.pk]}
    )
    assert grants() == sorted(
        [(a.pk, standard_member.pk, end), (b.pk, helper.pk, end), (b.pk, standard_member.pk, end)]
    )
    assert access_events().count("client.access_removed") == 1  # c had no grant to remove


def test_r30_standard_member_is_refused_bulk_access_actions(
    client_for, urls, make_client, standard_member, helper
):
    a = make_client()
    assign(a, helper)
    for action in ("assign_members", "unassign_members"):
        response = client_for(standard_member).post(
            urls("bulk"), {"action": action, "ids": [a.pk], "members": [helper.pk]}
        )
        assert response.status_code == 403
        assert "Only the firm&#x27;s admins manage client access." in text(response)
    assert grants() == [(a.pk, helper.pk, None)]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_firm_member", "Choose a member of this firm's team."),
        ("deactivated", "This person is deactivated: reactivate them first."),
        ("other_firm_client", "This client is not one of the firm's clients."),
        ("past", "The end date can't be in the past."),
        ("no_member", "Choose at least one team member."),
        ("member_past_any_table", "Choose a member of this firm's team."),
        (
            "client_past_any_table",
            f"Select a valid choice. {2**63} is not one of the available choices.",
        ),
    ],
)
def test_r30_bad_bulk_input_is_refused_with_a_message(
    client_for, urls, firm, other_firm, make_client, admin_member, helper, case, message
):
    a = make_client()
    data = {"action": "assign_members", "ids": [a.pk], "members": [helper.pk], "ends_on": ""}
    if case == "other_firm_member":
        data["members"] = [_member_of_other_firm(other_firm)]
    elif case == "deactivated":
        data["members"] = [helper.pk, _deactivated(firm)]
    elif case == "other_firm_client":
        data["ids"] = [a.pk, make_client(firm=other_firm).pk]
    elif case == "past":
        data["ends_on"] = "2026-03-01"
    elif case == "member_past_any_table":
        data["members"] = [helper.pk, str(2**63)]
    elif case == "client_past_any_table":
        data["ids"] = [a.pk, str(2**63)]
    else:
        data["members"] = []
    response = client_for(admin_member).post(urls("bulk"), data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [message]
    assert grants() == []
    assert access_events() == []
