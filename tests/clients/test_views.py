"""Client pages: add (R4, R5), edit (R10), status (R11), delete (R12), profile (R9),
export (R25) and bulk actions."""

import csv
import io

import pytest
from django_scopes import scopes_disabled

from clients.models import Client
from practice.csvutil import EXPORT_HEADERS, unescape_cell
from practice.models import ActivityEvent

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _get(pk):
    with scopes_disabled():
        return Client.objects.get(pk=pk)


def test_r4_add_page_offers_types_more_info_subscription_and_primary_admin(
    client_for, standard_member, urls
):
    html = client_for(standard_member).get(urls("add")).content.decode()
    assert 'value="business"' in html and 'value="individual"' in html
    assert "<details" in html and "Add more info" in html
    details = html.split('data-testid="more-info"', 1)[1].split("</details>")[0]
    assert 'name="client_number"' in details
    for choice in ("wholesale", "direct", "none"):
        assert f'value="{choice}"' in html
    assert 'name="firm_is_primary_admin"' in html
    assert "Compare plans" in html  # subscriptions:compare


def test_r5_add_form_warns_wholesale_is_only_offered_now(client_for, standard_member, urls):
    html = client_for(standard_member).get(urls("add")).content.decode()
    assert "wholesale billing can only be chosen now" in html.lower()


def test_r4_add_a_business_client_with_number(client_for, standard_member, admin_member, urls):
    response = client_for(standard_member).post(
        urls("add"),
        {
            "client_type": "business",
            "display_name": "Fromagerie Côté",
            "email": "contact@cote.test",
            "client_number": " F-001 ",
            "lead_accountant": admin_member.pk,
            "billing": "direct",
            "plan_code": "essentials",
            "firm_is_primary_admin": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        client = Client.objects.get(display_name="Fromagerie Côté")
    assert response["Location"].endswith(f"/clients/{client.pk}/")
    assert client.client_number == "F-001" and client.initial_billing == "direct"
    assert client.firm_is_primary_admin and client.lead_accountant == admin_member
    assert client.search_name == "fromagerie cote"
    assert client.billing == "direct" and client.products_summary == "Essentials"


def test_r4_r6_errors_are_inline_and_name_the_number_holder(
    client_for, standard_member, make_client, urls
):
    make_client(display_name="Librairie Roy", client_number="L-9")
    response = client_for(standard_member).post(
        urls("add"),
        {"client_type": "business", "display_name": "", "client_number": "L-9", "billing": "none"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required" in html
    # The service check runs once the form is otherwise valid.
    response = client_for(standard_member).post(
        urls("add"),
        {
            "client_type": "business",
            "display_name": "New",
            "client_number": "L-9",
            "billing": "none",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400 and "Librairie Roy" in html
    assert '<details class="more-info" open' in html  # the field with the error is visible


def test_r10_inline_edit_updates_the_row_in_place(client_for, standard_member, make_client, urls):
    c = make_client(display_name="Old name", client_number="A-1")
    web = client_for(standard_member)
    headers = {**HTMX, "HX-Target": f"client-row-{c.pk}"}
    form = web.get(urls("edit", client_id=c.pk), headers=headers)
    html = form.content.decode()
    assert html.lstrip().startswith("<tr") and f'name="row{c.pk}-display_name"' in html
    response = web.post(
        urls("edit", client_id=c.pk),
        {
            f"row{c.pk}-version": 1,
            f"row{c.pk}-display_name": "New name",
            f"row{c.pk}-client_number": "A-2",
            f"row{c.pk}-client_type": "business",
            f"row{c.pk}-email": "",
            f"row{c.pk}-phone": "",
            f"row{c.pk}-lead_accountant": "",
        },
        headers=headers,
    )
    html = response.content.decode()
    assert response.status_code == 200 and f'id="client-row-{c.pk}"' in html
    assert "New name" in html and "A-2" in html and '<form method="post" action' in html
    assert _get(c.pk).display_name == "New name"


def test_r10_stale_edit_page_gets_conflict_message(
    client_for, standard_member, admin_member, make_client, urls
):
    c = make_client(display_name="Shared", email="a@x.test")
    data = {
        "version": 1,
        "client_type": "business",
        "display_name": "Shared",
        "email": "mine@x.test",
        "tax_preparation_status": "not_started",
        "tax_return_status": "not_filed",
    }
    first = client_for(admin_member).post(urls("edit", client_id=c.pk), data)
    assert first.status_code == 302
    second = client_for(standard_member).post(
        urls("edit", client_id=c.pk), {**data, "email": "theirs@x.test"}
    )
    assert second.status_code == 409
    assert str(admin_member.user) in second.content.decode()
    assert _get(c.pk).email == "mine@x.test"


def test_r11_make_inactive_from_actions_menu(client_for, standard_member, make_client, urls):
    c = make_client(display_name="Seasonal")
    web = client_for(standard_member)
    response = web.post(
        urls("status", client_id=c.pk),
        {"status": "inactive"},
        headers={**HTMX, "HX-Target": f"client-row-{c.pk}"},
    )
    assert response.status_code == 200 and "Make active" in response.content.decode()
    assert _get(c.pk).status == "inactive"
    response = web.post(
        urls("status", client_id=c.pk), {"status": "active", "next": "https://evil.test/"}
    )
    assert response.status_code == 302 and response["Location"] == urls("list")
    assert _get(c.pk).status == "active"


def test_r12_delete_action_hidden_and_forged_post_refused_for_other_roles(
    client_for, admin_member, standard_member, make_client, urls
):
    c = make_client()
    for member in (admin_member, standard_member):
        web = client_for(member)
        assert urls("delete", client_id=c.pk) not in web.get(urls("list")).content.decode()
        assert web.get(urls("delete", client_id=c.pk)).status_code == 403
        assert web.post(urls("delete", client_id=c.pk)).status_code == 403
    assert _get(c.pk)


def test_r12_primary_admin_sees_unmet_conditions_then_deletes(
    client_for, primary_admin, make_client, urls
):
    c = make_client(display_name="Bistro Tremblay", firm_is_primary_admin=True)
    web = client_for(primary_admin)
    assert urls("delete", client_id=c.pk) in web.get(urls("list")).content.decode()
    page = web.get(urls("delete", client_id=c.pk)).content.decode()
    assert "can't be deleted yet" in page and "confirm-delete" not in page
    refused = web.post(urls("delete", client_id=c.pk))
    assert refused.status_code == 400 and _get(c.pk)
    with scopes_disabled():
        Client.objects.filter(pk=c.pk).update(firm_is_primary_admin=False)
    assert "confirm-delete" in web.get(urls("delete", client_id=c.pk)).content.decode()
    unconfirmed = web.post(urls("delete", client_id=c.pk))
    assert unconfirmed.status_code == 400 and _get(c.pk)
    assert "name to confirm the deletion." in unconfirmed.content.decode()
    wrong = web.post(urls("delete", client_id=c.pk), {"confirm_name": "Bistro"})
    assert wrong.status_code == 400 and _get(c.pk)
    assert "match: type Bistro Tremblay exactly" in wrong.content.decode()
    done = web.post(urls("delete", client_id=c.pk), {"confirm_name": "  bistro tremblay "})
    assert done.status_code == 302
    with scopes_disabled():
        assert not Client.objects.filter(pk=c.pk).exists()
        assert ActivityEvent.objects.get(verb="client.deleted").target_label == "Bistro Tremblay"


def test_r9_profile_has_the_five_tabs_and_history(client_for, standard_member, make_client, urls):
    c = make_client(display_name="Profiled")
    web = client_for(standard_member)
    web.post(
        urls("tax", client_id=c.pk),
        {"version": 1, "tax_preparation_status": "in_progress", "tax_return_status": "filed"},
    )
    assert _get(c.pk).tax_return_status == "filed"
    html = web.get(urls("detail", client_id=c.pk)).content.decode()
    for tab in ("overview", "products", "documents", "tax", "history"):
        assert f'data-tab="{tab}"' in html
    assert (
        "No documents sent yet"
        in web.get(urls("detail", client_id=c.pk) + "?tab=documents").content.decode()
    )
    history = web.get(
        urls("detail", client_id=c.pk) + "?tab=history",
        headers={**HTMX, "HX-Target": "client-tab"},
    ).content.decode()
    assert "<html" not in history
    assert "Not filed" in history and "Filed" in history and "In progress" in history


def _csv(response, delimiter=","):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


def test_r25_export_headers_first_filters_apply_and_cells_are_defused(
    client_for, standard_member, make_client, urls
):
    make_client(
        display_name='=HYPERLINK("http://x")', client_number="+33", client_type="individual"
    )
    make_client(
        display_name="@SUM(A1)", client_number="-7", client_type="individual", status="inactive"
    )
    make_client(display_name="Plain", client_type="business")
    web = client_for(standard_member)
    rows = _csv(web.get(urls("export") + "?type=individual"))
    assert tuple(rows[0][:3]) == EXPORT_HEADERS["en"]
    assert "Lead accountant" in rows[0][3:]
    assert len(rows) == 2  # active only, individuals only
    assert rows[1][1].startswith("'=") and rows[1][2] == "'+33"
    assert unescape_cell(rows[1][1]) == '=HYPERLINK("http://x")'
    assert unescape_cell(rows[1][2]) == "+33"
    rows = _csv(web.get(urls("export") + "?inactive=1&sort=-name"))
    assert [unescape_cell(r[1]) for r in rows[1:]] == [
        "Plain",
        "@SUM(A1)",
        '=HYPERLINK("http://x")',
    ]


def test_r25_export_headers_in_french_separated_by_semicolons(
    client_for, standard_member, make_client, urls
):
    """French spreadsheets split on ";": the French export uses it (the import reads both)."""
    make_client(display_name="Dupont, Martin et fils")
    web = client_for(standard_member)
    web.cookies["language"] = "fr"
    rows = _csv(web.get(urls("export"), headers={"Accept-Language": "fr"}), delimiter=";")
    assert tuple(rows[0][:3]) == EXPORT_HEADERS["fr"]
    assert rows[1][1] == "Dupont, Martin et fils"


def test_r29_a_french_export_imports_back(client_for, admin_member, make_client, urls, firm):
    """The semicolon export of a French reader is a file the import reads as it is."""
    from imports.parsing import CsvReader

    make_client(display_name="Boulangerie", company_id="123456789", client_number="B-1")
    web = client_for(admin_member)
    web.cookies["language"] = "fr"
    body = b"".join(web.get(urls("export"), headers={"Accept-Language": "fr"}).streaming_content)
    reader = CsvReader(io.BytesIO(body))
    assert reader.format.delimiter == ";"
    assert [(row.company_id, row.display_name, row.client_number) for row in reader] == [
        ("123456789", "Boulangerie", "B-1")
    ]


def test_bulk_export_the_selection(client_for, standard_member, make_client, urls):
    a = make_client(display_name="Keep A")
    make_client(display_name="Skip B")
    c = make_client(display_name="Keep C", status="inactive")
    response = client_for(standard_member).post(
        urls("bulk"), {"action": "export", "ids": [a.pk, c.pk]}
    )
    assert [r[1] for r in _csv(response)[1:]] == ["Keep A", "Keep C"]


def test_bulk_assign_lead_and_make_inactive(
    client_for, standard_member, admin_member, make_client, urls
):
    a, b = make_client(), make_client()
    web = client_for(standard_member)
    response = web.post(
        urls("bulk"),
        {
            "action": "assign_lead",
            "ids": [a.pk, b.pk],
            "lead_accountant": admin_member.pk,
            "next": urls("list") + "?q=x",
        },
    )
    assert response.status_code == 302 and response["Location"] == urls("list") + "?q=x"
    assert _get(a.pk).lead_accountant == admin_member
    web.post(urls("bulk"), {"action": "make_inactive", "ids": [b.pk]})
    assert _get(b.pk).status == "inactive" and _get(a.pk).status == "active"
    response = web.post(urls("bulk"), {"action": "make_inactive"})
    assert response.status_code == 302 and _get(a.pk).status == "active"
