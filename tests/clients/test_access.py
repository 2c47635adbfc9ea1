"""Client access (R30–R32): a member restricted to their assigned clients reaches
those and the ones they lead, everywhere; grants end by themselves; every access
change and every export is in the activity log; the leaver report."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from clients import assignments
from clients.access import can_reach, clients_reachable
from clients.models import ClientAssignment, ClientStatus
from clients.tasks import assignments_expire_due
from imports.models import ImportRow
from practice import services as practice_services
from practice.activity import activity_record
from practice.models import ActivityEvent, ClientAccess
from tests.clients.conftest import read_csv
from tests.imports.factories import csv_bytes, numbers_of

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(row.display_name for row in response.context["rows"])


def verbs(firm, verb):
    with scopes_disabled():
        return list(ActivityEvent.objects.filter(firm=firm, verb=verb).order_by("pk"))


# The list, search, filters, counts, bulk actions, export ---------------------------


def test_r31_the_list_and_its_count_show_only_reachable_clients(
    client_for, restricted, three, urls
):
    web = client_for(restricted)
    response = web.get(urls("list"))
    assert names(response) == ["Assigned Co", "Led Co"]
    assert response.context["page"].total == 2
    assert "Hidden Co" not in response.content.decode()


def test_r31_search_and_filters_show_only_reachable_clients(
    client_for, restricted, primary_admin, three, urls
):
    web = client_for(restricted)
    assert names(web.get(urls("list") + "?q=hidden")) == []
    assert names(web.get(urls("list") + "?q=H-1")) == []
    assert names(web.get(urls("list") + "?q=co")) == ["Assigned Co", "Led Co"]
    # The hidden client is led by the primary admin, the assigned one by nobody.
    assert names(web.get(urls("list") + f"?lead={primary_admin.pk}")) == []
    assert names(web.get(urls("list") + "?lead=none")) == ["Assigned Co"]
    assert names(web.get(urls("list") + "?inactive=1&sort=-client_number")) == [
        "Assigned Co",
        "Led Co",
    ]


def test_r31_unrestricted_members_still_see_every_client(client_for, standard_member, three, urls):
    assert names(client_for(standard_member).get(urls("list"))) == [
        "Assigned Co",
        "Hidden Co",
        "Led Co",
    ]


def test_r31_a_bulk_status_change_on_an_unreachable_id_changes_nothing(
    client_for, firm, restricted, three, urls
):
    assigned, _led, hidden = three
    web = client_for(restricted)
    web.post(urls("bulk"), {"action": "make_inactive", "ids": [hidden.pk]})
    web.post(urls("bulk"), {"action": "make_inactive", "ids": [hidden.pk, assigned.pk]})
    with scopes_disabled():
        hidden.refresh_from_db()
        assigned.refresh_from_db()
    assert hidden.status == ClientStatus.ACTIVE
    assert assigned.status == ClientStatus.INACTIVE
    with scopes_disabled():
        touched = set(
            ActivityEvent.objects.filter(firm=firm, target_type="client").values_list(
                "target_id", flat=True
            )
        )
    assert hidden.pk not in touched


def test_r31_r32_the_csv_export_holds_only_reachable_clients_and_is_logged(
    client_for, firm, restricted, three, urls
):
    response = client_for(restricted).get(urls("export") + "?q=co")
    rows = read_csv(response)
    assert sorted(r[1] for r in rows[1:]) == ["Assigned Co", "Led Co"]
    (event,) = verbs(firm, "clients.exported")
    assert event.actor_id == restricted.user_id
    assert event.changes == {"list": "clients", "rows": 2, "search": "co"}


def test_r31_r32_exporting_a_selection_skips_unreachable_ids_and_is_logged(
    client_for, firm, restricted, three, urls
):
    assigned, _led, hidden = three
    response = client_for(restricted).post(
        urls("bulk"), {"action": "export", "ids": [assigned.pk, hidden.pk]}
    )
    rows = read_csv(response)
    assert [r[1] for r in rows[1:]] == ["Assigned Co"]
    (event,) = verbs(firm, "clients.exported")
    assert event.changes == {"list": "selection", "rows": 1}


# Profile, history, activity ------------------------------------------------------


def test_r31_profile_and_history_only_for_reachable_clients(client_for, restricted, three, urls):
    assigned, led, hidden = three
    web = client_for(restricted)
    for client in (assigned, led):
        assert web.get(urls("detail", client_id=client.pk)).status_code == 200
        assert web.get(urls("detail", client_id=client.pk) + "?tab=history").status_code == 200
    assert web.get(urls("detail", client_id=hidden.pk)).status_code == 404
    assert web.get(urls("detail", client_id=hidden.pk) + "?tab=history").status_code == 404


def test_r31_activity_page_and_csv_show_only_reachable_clients_entries(
    client_for, firm, restricted, admin_member, three
):
    assigned, _led, hidden = three
    with scope(firm=firm):
        for client in (assigned, hidden):
            activity_record(firm=firm, by=admin_member.user, verb="client.updated", target=client)
        activity_record(firm=firm, by=admin_member.user, verb="firm.updated", target=firm)
    page = client_for(restricted).get(reverse("activity", args=[firm.slug]))
    labels = [row["event"].target_label for row in page.context["rows"]]
    assert labels == ["Assigned Co"]
    csv_rows = read_csv(client_for(restricted).get(reverse("activity_export", args=[firm.slug])))
    assert [r[4] for r in csv_rows[1:]] == ["Assigned Co"]
    everything = client_for(admin_member).get(reverse("activity", args=[firm.slug]))
    assert {"Assigned Co", "Hidden Co"} <= {
        row["event"].target_label for row in everything.context["rows"]
    }


# Imports --------------------------------------------------------------------------


def test_r31_a_restricted_import_treats_an_unreachable_client_as_unknown(
    client_for, firm, restricted, three, run_import, media_root
):
    assigned, _led, hidden = three
    data = csv_bytes(
        [
            [assigned.company_id, "Assigned Co", "A-2"],
            [hidden.company_id, "Someone", "H-2"],
            ["NOSUCHCOMPANY", "Someone", "X-2"],
        ]
    )
    check = run_import(data, mode="check", by=restricted)
    with scopes_disabled():
        staged = {r.company_id: r for r in ImportRow.objects.filter(job=check)}
    unreachable, missing = staged[hidden.company_id], staged["NOSUCHCOMPANY"]
    assert unreachable.client_id is None and missing.client_id is None
    assert (unreachable.outcome, unreachable.reason) == (missing.outcome, missing.reason)
    assert unreachable.previous_number in (None, "") and unreachable.display_name == "Someone"
    preview = client_for(restricted).get(reverse("imports:job", args=[firm.slug, check.pk]))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Hidden Co" not in text and "H-1" not in text

    job = run_import(data, by=restricted)
    assert (job.updated_count, job.failed_count) == (1, 2)
    assert numbers_of([assigned, hidden]) == ["A-2", "H-1"]


# Apps set-up, portal invitations, transfers ------------------------------------------


def test_r31_apps_setup_acts_only_on_reachable_clients(client_for, firm, restricted, three):
    assigned, _led, hidden = three
    web = client_for(restricted)
    get_app = reverse("subscriptions:app_get", args=[firm.slug])
    assert web.get(get_app + f"?app=time&client={hidden.pk}").status_code == 404
    assert web.post(get_app, {"app": "time", "client": hidden.pk}).status_code == 404
    assert web.get(get_app + f"?app=time&client={assigned.pk}").status_code != 404
    apps = reverse("subscriptions:apps", args=[firm.slug])
    assert web.get(apps + f"?client={hidden.pk}").status_code == 404
    picker = web.get(apps + "?q=co", headers={"HX-Request": "true", "HX-Target": "client-results"})
    assert "Assigned Co" in picker.content.decode()
    assert "Hidden Co" not in picker.content.decode()


def test_r31_app_setups_in_progress_only_for_reachable_clients(client_for, firm, restricted, three):
    from tests.subscriptions.factories import app_setup_for

    assigned, _led, hidden = three
    mine, theirs = app_setup_for(firm, client=assigned), app_setup_for(firm, client=hidden)
    web = client_for(restricted)
    page = web.get(reverse("subscriptions:apps", args=[firm.slug]))
    assert [s.pk for s in page.context["in_progress"]] == [mine.pk]
    assert (
        web.get(reverse("subscriptions:app_setup", args=[firm.slug, theirs.pk])).status_code == 404
    )
    assert web.get(reverse("subscriptions:app_setup", args=[firm.slug, mine.pk])).status_code == 200


def test_r31_portal_invitations_and_transfers_only_for_reachable_clients(
    client_for, firm, restricted, three, urls
):
    from clients.models import Company, CompanyMember

    _assigned, _led, hidden = three
    with scopes_disabled():
        company = Company.objects.create(name="Hidden Co")
        hidden.company_account = company
        hidden.save(update_fields=["company_account"])
        person = CompanyMember.objects.create(
            company=company, full_name="Pat", email="pat@example.test"
        )
    web = client_for(restricted)
    invite = urls("team_invite", client_id=hidden.pk, member_id=person.pk)
    assert web.post(invite).status_code == 404
    assert web.post(urls("team_add", client_id=hidden.pk), {}).status_code == 404
    assert web.get(urls("wholesale_after_transfer", client_id=hidden.pk)).status_code == 404


# Deactivation ------------------------------------------------------------------------


def test_r31_deactivating_a_member_hands_over_their_clients_and_assignments(
    firm, primary_admin, restricted, standard_member, three
):
    assigned, led, _hidden = three
    with scope(firm=firm):
        practice_services.membership_deactivate(
            firm=firm, membership=restricted, by=primary_admin, reassign_to=standard_member
        )
        led.refresh_from_db()
        assert led.lead_accountant_id == standard_member.pk
        assert not ClientAssignment.objects.filter(membership=restricted).exists()
        grant = ClientAssignment.objects.get(membership=standard_member)
        assert grant.client_id == assigned.pk
    granted = verbs(firm, "client.access_granted")
    assert [e.target_id for e in granted] == [assigned.pk]


# Audit: every access change in the activity log -----------------------------------------


def test_r32_every_access_change_is_logged(firm, primary_admin, standard_member, make_client):
    client = make_client(display_name="Logged Co")
    until = datetime.date.today() + datetime.timedelta(days=10)
    with scope(firm=firm):
        practice_services.membership_set_client_access(
            firm=firm, membership=standard_member, mode=ClientAccess.ASSIGNED, by=primary_admin
        )
        assignments.client_assign(
            firm=firm, client=client, membership=standard_member, by=primary_admin, ends_on=until
        )
        assignments.client_unassign(
            firm=firm, client=client, membership=standard_member, by=primary_admin
        )
    (mode,) = verbs(firm, "member.client_access_changed")
    assert mode.changes == {"client_access": ["all", "assigned"]}
    assert mode.actor_id == primary_admin.user_id
    (granted,) = verbs(firm, "client.access_granted")
    assert granted.target_id == client.pk and granted.changes["until"] == until.isoformat()
    (removed,) = verbs(firm, "client.access_removed")
    assert removed.target_id == client.pk and removed.actor_id == primary_admin.user_id


# Expiry -----------------------------------------------------------------------------------


def test_r30_beat_runs_the_expiry_every_day():
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["clients-access-expiry"]
    assert entry["task"] == "clients.tasks.assignments_expire_due"
    assert isinstance(entry["schedule"], crontab)


def test_r30_a_grant_until_a_date_reaches_the_client_that_day_and_not_the_next(
    today_is, firm, primary_admin, restricted, make_client, other_firm
):
    client = make_client(display_name="Temporary Co")
    today_is(datetime.date(2026, 3, 1))
    with scope(firm=firm):
        assignments.client_assign(
            firm=firm,
            client=client,
            membership=restricted,
            by=primary_admin,
            ends_on=datetime.date(2026, 3, 31),
        )
    today_is(datetime.date(2026, 3, 31))
    with scope(firm=firm):
        assert can_reach(membership=restricted, client=client)
        assert list(clients_reachable(membership=restricted)) == [client]
    assert assignments_expire_due() >= 2
    with scopes_disabled():
        assert ClientAssignment.objects.filter(membership=restricted).exists()
    assert verbs(firm, "client.access_expired") == []

    today_is(datetime.date(2026, 4, 1))
    with scope(firm=firm):
        assert not can_reach(membership=restricted, client=client)
        assert list(clients_reachable(membership=restricted)) == []
        # Access ended by itself, before the task runs.
        assert ClientAssignment.objects.filter(membership=restricted).exists()
    assignments_expire_due()
    with scopes_disabled():
        assert not ClientAssignment.objects.filter(membership=restricted).exists()
    (expired,) = verbs(firm, "client.access_expired")
    assert expired.target_id == client.pk and expired.actor is None
    assert expired.changes == {"member": str(restricted.user), "until": "2026-03-31"}
    assignments_expire_due()
    assert len(verbs(firm, "client.access_expired")) == 1


# Query counts --------------------------------------------------------------------------------


def test_r31_the_restricted_list_runs_the_same_fixed_number_of_queries(
    client_for, firm, restricted, standard_member, make_client, urls
):
    def assign(client):
        with scopes_disabled():
            ClientAssignment.objects.create(firm=firm, client=client, membership=restricted)

    assign(make_client(client_number="N-first"))
    make_client(client_number="N-hidden")
    web = client_for(restricted)
    counts = {}
    for query in ("", "?sort=client_number", "?q=N-", "?last=1"):
        with CaptureQueriesContext(connection) as few:
            web.get(urls("list") + query)
        counts[query] = len(few)
    for i in range(60):
        client = make_client(
            client_number=f"N{i:02d}", lead_accountant=restricted if i % 3 == 0 else None
        )
        if i % 3 == 1:
            assign(client)
    for query, before in counts.items():
        with CaptureQueriesContext(connection) as many:
            response = web.get(urls("list") + query)
        assert len(many) == before, query
        # 41 reachable clients; "N-" finds only N-first: N-hidden is not counted.
        assert response.context["page"].total == (1 if query == "?q=N-" else 41), query
    # The same number as for an unrestricted member (sorting by a column with
    # empty values reads a second slice when the first does not fill the page,
    # whoever reads it, so that sort is left out of this comparison).
    unrestricted = client_for(standard_member)
    for query in ("", "?q=N-", "?last=1"):
        with CaptureQueriesContext(connection) as theirs:
            unrestricted.get(urls("list") + query)
        with CaptureQueriesContext(connection) as mine:
            web.get(urls("list") + query)
        assert len(mine) == len(theirs), query


def test_r13_r31_restricted_list_query_pin(
    client_for, firm, restricted, make_client, urls, django_assert_max_num_queries
):
    for i in range(30):
        client = make_client(client_number=f"P{i}")
        with scopes_disabled():
            ClientAssignment.objects.create(firm=firm, client=client, membership=restricted)
    web = client_for(restricted)
    with django_assert_max_num_queries(12):
        listing = web.get(urls("list"))
    assert listing.status_code == 200 and listing.context["page"].total == 30
    with django_assert_max_num_queries(12):
        found = web.get(urls("list") + "?q=P1&last=1")
    # P1 and P10..P19: the search ran and found its rows within the pin.
    assert found.status_code == 200 and found.context["page"].total == 11
