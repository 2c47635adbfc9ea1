"""The firm-wide Activity page: filter by person and dates, CSV export."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from practice import services
from practice.models import ActivityEvent

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, 0))


def event(firm, actor, verb, when, **extra):
    with scopes_disabled():
        return ActivityEvent.objects.create(
            firm=firm, actor=actor, verb=verb, created_at=when, **extra
        )


@pytest.fixture
def log(firm, other_firm, primary_admin, admin_member, standard_member):
    event(firm, primary_admin.user, "firm.created", at(1), target_label=firm.name)
    event(
        firm,
        admin_member.user,
        "member.role_changed",
        at(5),
        target_type="membership",
        target_label="Bob Standard",
        changes={"role": ["standard", "admin"]},
    )
    event(
        firm,
        standard_member.user,
        "client.updated",
        at(10),
        target_type="client",
        target_label='=HYPERLINK("x")',
        changes={"display_name": ["Old", "New"], "status": ["active", "inactive"]},
    )
    event(other_firm, None, "firm.created", at(6), target_label="Secret other firm")
    return firm


def page(client, firm, **params):
    return client.get(reverse("activity", args=[firm.slug]), params)


def test_activity_lists_the_firms_events_newest_first(client_for, log, standard_member):
    response = page(client_for(standard_member), log)  # standard users see it too
    assert response.status_code == 200
    verbs = [row["event"].verb for row in response.context["rows"]]
    assert verbs == ["client.updated", "member.role_changed", "firm.created"]
    html = response.content.decode()
    assert "Secret other firm" not in html
    assert "Changed the role of Bob Standard" in html
    assert "Edited the client" in html


def test_edits_show_before_and_after_values_in_words(client_for, log, admin_member):
    rows = page(client_for(admin_member), log).context["rows"]
    role_change = next(r for r in rows if r["event"].verb == "member.role_changed")
    (change,) = role_change["changes"]
    assert (change.field, change.before, change.after) == ("Role", "Standard", "Admin")
    client_edit = next(r for r in rows if r["event"].verb == "client.updated")
    shown = {c.field: (c.before, c.after) for c in client_edit["changes"]}
    assert shown["Display name"] == ("Old", "New")
    assert shown["Status"] == ("Active", "Inactive")


def test_filter_by_person(client_for, log, admin_member):
    response = page(client_for(admin_member), log, person=admin_member.pk)
    assert [r["event"].verb for r in response.context["rows"]] == ["member.role_changed"]


def test_filter_by_date_range_is_inclusive(client_for, log, admin_member):
    c = client_for(admin_member)
    response = page(c, log, start="2026-03-05", end="2026-03-10")
    assert [r["event"].verb for r in response.context["rows"]] == [
        "client.updated",
        "member.role_changed",
    ]
    response = page(c, log, end="2026-03-04")
    assert [r["event"].verb for r in response.context["rows"]] == ["firm.created"]


def test_invalid_filters_are_reported_not_fatal(client_for, log, admin_member, other_firm):
    with scopes_disabled():
        from tests.practice.factories import MembershipFactory

        stranger = MembershipFactory(firm=other_firm)
    response = page(client_for(admin_member), log, person=stranger.pk, start="2026-03-09", end="x")
    assert response.status_code == 200
    form = response.context["form"]
    assert "person" in form.errors and "end" in form.errors
    assert [r["event"].verb for r in response.context["rows"]] == ["client.updated"]


def test_htmx_requests_get_only_the_results(client_for, log, admin_member):
    response = client_for(admin_member).get(
        reverse("activity", args=[log.slug]), {"person": admin_member.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="activity-results">')
    assert "<html" not in html


def test_csv_export_of_the_filtered_rows_is_streamed(client_for, log, admin_member):
    response = client_for(admin_member).get(
        reverse("activity_export", args=[log.slug]), {"start": "2026-03-05"}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    # Consumed here, after the gate returned: the rows re-enter the firm scope.
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Date", "Person", "E-mail", "Action", "Object", "Changes"]
    assert len(rows) == 3
    newest = rows[1]
    assert newest[0] == "2026-03-10 12:00:00"
    assert newest[3].startswith("Edited the client")
    assert newest[4] == '\'=HYPERLINK("x")'  # defused for spreadsheets
    assert "Status: Active → Inactive" in newest[5]
    assert rows[2][2] == admin_member.user.email
    assert "Secret other firm" not in text


def test_csv_export_keeps_the_person_filter(client_for, log, admin_member, standard_member):
    response = client_for(admin_member).get(
        reverse("activity_export", args=[log.slug]), {"person": standard_member.pk}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == [standard_member.user.email]


def test_export_link_carries_the_filters(client_for, log, admin_member):
    html = page(client_for(admin_member), log, person=admin_member.pk, page=1).content.decode()
    export = reverse("activity_export", args=[log.slug])
    assert f'href="{export}?person={admin_member.pk}"' in html


def test_activity_query_count_does_not_grow_with_rows(
    client_for, firm, admin_member, django_assert_max_num_queries
):
    c = client_for(admin_member)
    with scopes_disabled():
        from tests.practice.factories import MembershipFactory

        people = [MembershipFactory(firm=firm).user for _ in range(5)]
    for n in range(3):
        event(firm, people[n], "member.reactivated", at(1 + n), target_label=f"P{n}")
    with django_assert_max_num_queries(7):
        assert page(c, firm).status_code == 200
    for n in range(120):
        event(firm, people[n % 5], "member.reactivated", at(1 + n % 20), target_label=f"P{n}")
    with django_assert_max_num_queries(7):
        response = page(c, firm)
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(7):
        page(c, firm, page=3)


def test_real_services_write_readable_entries(client_for, firm, primary_admin, admin_member):
    with scopes_disabled():
        services.firm_update(firm=firm, by=primary_admin, currency="CAD", language="fr")
    rows = page(client_for(admin_member), firm).context["rows"]
    shown = {c.field: (c.before, c.after) for c in rows[0]["changes"]}
    assert rows[0]["sentence"] == "Changed the firm settings"
    assert shown["Currency"] == ("Euro (EUR)", "Canadian dollar (CAD)")
    assert shown["Language"] == ("English", "French")


def test_unknown_verbs_still_read(client_for, firm, admin_member):
    event(firm, admin_member.user, "import.finished", at(2), target_label="clients.csv")
    rows = page(client_for(admin_member), firm).context["rows"]
    assert rows[0]["sentence"] == "Import finished: clients.csv"


def test_statement_totals_in_the_log_read_as_money_in_the_readers_language():
    from django.utils import translation

    from practice.activity import describe_changes
    from practice.models import ActivityEvent

    event = ActivityEvent(
        verb="statement.issued", target_type="statement", changes={"EUR": "3255.00"}
    )
    with translation.override("fr"):
        assert describe_changes(event)[0].after == "3\u202f255,00\xa0€"
    with translation.override("en"):
        assert describe_changes(event)[0].after == "€3,255.00"


@pytest.mark.parametrize(
    "params",
    [{"start": "0001-01-01"}, {"end": "9999-12-31"}, {"start": "9999-12-31", "end": "9999-12-31"}],
)
def test_extreme_dates_are_refused_with_an_error_not_a_crash(client_for, log, admin_member, params):
    """Dates at the calendar's ends overflowed the time-zone arithmetic (500)."""
    c = client_for(admin_member)
    response = c.get(reverse("activity", args=[admin_member.firm.slug]), params)
    assert response.status_code == 200
    assert response.context["form"].errors
    export = c.get(reverse("activity_export", args=[admin_member.firm.slug]), params)
    assert export.status_code == 200
    b"".join(export.streaming_content)
