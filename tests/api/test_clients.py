"""Clients through the API (R4–R13, R30, R31): the list page's filters, search and
sort through the same selector, cursor pages, every field, add, edit with
If-Match, make inactive / active, delete with R12's conditions."""

import datetime

import pytest
from django.db.models import F
from django_scopes import scopes_disabled

from api.responses import iso_datetime
from clients.models import BillingChoice, Client, ClientNumber, ClientStatus, ClientType
from clients.selectors import ClientFilters, client_page
from practice.tenancy import firm_scope
from tests.api.conftest import problem_of

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "company_id",
    "client_number",
    "client_type",
    "display_name",
    "company_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "notes",
    "lead_accountant_id",
    "lead_accountant_name",
    "status",
    "firm_is_primary_admin",
    "tax_preparation_status",
    "tax_return_status",
    "billing",
    "products",
    "wholesale_offer_until",
    "version",
    "created_at",
    "updated_at",
}


@pytest.fixture
def owner_api(api, token_for, primary_admin):
    return api(token_for(primary_admin))


def _all_pages(client, path, **params):
    """Every item of a list, following next_cursor; and how many pages it took."""
    items, cursor, pages = [], "", 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, data=query)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return items, pages


def test_r6_r7_every_field_is_in_the_list_and_the_client(owner_api, make_client, primary_admin):
    client = make_client(
        display_name="Boulangerie Aubert",
        client_number="A-101",
        lead_accountant=primary_admin,
        phone="01 23",
        notes="Pays late",
    )
    listed = owner_api.get("/api/v1/clients").json()["items"]
    assert len(listed) == 1 and set(listed[0]) == FIELDS
    one = owner_api.get(f"/api/v1/clients/{client.pk}")
    body = one.json()
    assert set(body) == FIELDS and body == listed[0]
    assert body["company_id"] == client.company_id and body["client_number"] == "A-101"
    assert body["lead_accountant_id"] == primary_admin.pk
    assert body["lead_accountant_name"] == str(primary_admin.user)
    assert one["ETag"] == f'"{client.version}"'


def test_r10_a_number_changed_by_an_import_moves_the_version_and_the_change_time(
    owner_api, make_client
):
    """An import writes the number's own row, not the client's: the list and the
    client both show the revision and the change time with the number's."""
    client = make_client(display_name="Numbered", client_number="N-1")
    later = client.updated_at + datetime.timedelta(days=2)
    with scopes_disabled():
        ClientNumber.objects.filter(client=client).update(
            number="N-2", version=F("version") + 1, updated_at=later
        )
    listed = owner_api.get("/api/v1/clients").json()["items"][0]
    one = owner_api.get(f"/api/v1/clients/{client.pk}")
    assert listed == one.json()
    assert (listed["client_number"], listed["version"]) == ("N-2", client.version + 1)
    assert listed["updated_at"] == iso_datetime(later)
    assert one["ETag"] == f'"{client.version + 1}"'


def test_r13_cursor_pages_read_every_client_once(owner_api, make_client):
    made = {make_client(display_name=f"Client {n:02d}").pk for n in range(7)}
    made.add(make_client(display_name="Dormant", status=ClientStatus.INACTIVE).pk)
    items, pages = _all_pages(owner_api, "/api/v1/clients", limit=2, inactive="true")
    ids = [item["id"] for item in items]
    assert sorted(ids) == sorted(made) and len(ids) == len(set(ids))
    assert pages == 4
    names = [item["display_name"] for item in items]
    assert names == sorted(names, key=str.casefold)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"inactive": "true"},
        {"q": "garage"},
        {"q": "B-2"},
        {"type": "individual"},
        {"lead": "none", "inactive": "true"},
        {"sort": "-client_number", "inactive": "true"},
        {"sort": "status", "inactive": "true"},
    ],
)
def test_r8_filters_search_and_sort_match_the_list_pages_selector(
    owner_api, make_client, primary_admin, params
):
    rows = [
        ("Garage Dupuis", "B-201", ClientType.BUSINESS, True, ClientStatus.ACTIVE),
        ("Garage Martin", "B-202", ClientType.BUSINESS, False, ClientStatus.INACTIVE),
        ("Camille Petit", None, ClientType.INDIVIDUAL, True, ClientStatus.ACTIVE),
        ("Atelier Roux", "C-1", ClientType.BUSINESS, False, ClientStatus.ACTIVE),
        ("Zoé Garnier", "B-2", ClientType.INDIVIDUAL, False, ClientStatus.INACTIVE),
    ]
    for name, number, kind, led, status in rows:
        make_client(
            display_name=name,
            client_number=number,
            client_type=kind,
            lead_accountant=primary_admin if led else None,
            status=status,
        )
    items, _pages = _all_pages(owner_api, "/api/v1/clients", limit=2, **params)
    filters = ClientFilters(
        q=params.get("q", ""),
        client_type=params.get("type", ""),
        lead=params.get("lead", ""),
        include_inactive=params.get("inactive") == "true",
    )
    with firm_scope(primary_admin.firm):
        page = client_page(
            membership=primary_admin, filters=filters, sort=params.get("sort", "name"), size=100
        )
    assert [item["id"] for item in items] == [client.pk for client in page.rows]
    assert items, "each case matches at least one client"


def test_r8_lead_filter_by_member_id(owner_api, make_client, primary_admin, standard_member):
    mine = make_client(display_name="Mine", lead_accountant=standard_member)
    make_client(display_name="Theirs", lead_accountant=primary_admin)
    items = owner_api.get("/api/v1/clients", data={"lead": standard_member.pk}).json()["items"]
    assert [item["id"] for item in items] == [mine.pk]
    unknown = owner_api.get("/api/v1/clients", data={"lead": "987654"})
    assert unknown.status_code == 422
    assert problem_of(unknown)["errors"][0]["loc"] == ["query", "lead"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjoxfQ", "a" * 1999, "x:y:z", "0:1", "%00"])
def test_forged_cursors_get_400(owner_api, make_client, cursor):
    make_client()
    response = owner_api.get("/api/v1/clients", data={"cursor": cursor})
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_cursor"


def test_a_cursor_is_refused_with_another_query(owner_api, make_client):
    for n in range(3):
        make_client(display_name=f"Client {n}")
    cursor = owner_api.get("/api/v1/clients", data={"limit": 1}).json()["next_cursor"]
    assert owner_api.get("/api/v1/clients", data={"limit": 1, "cursor": cursor}).status_code == 200
    other = owner_api.get("/api/v1/clients", data={"sort": "-name", "cursor": cursor})
    assert other.status_code == 400
    altered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert owner_api.get("/api/v1/clients", data={"cursor": altered}).status_code == 400


def test_r4_add_a_client(owner_api, primary_admin, firm):
    response = owner_api.post(
        "/api/v1/clients",
        {
            "client_type": "individual",
            "first_name": "Camille",
            "last_name": "Petit",
            "client_number": "  P-7  ",
            "email": "camille@example.test",
            "lead_accountant_id": primary_admin.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["display_name"] == "Camille Petit" and body["client_number"] == "P-7"
    assert response["Location"].endswith(f"/api/v1/clients/{body['id']}")
    with scopes_disabled():
        client = Client.objects.get(pk=body["id"])
    assert client.firm == firm and client.lead_accountant == primary_admin


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lead_accountant_id", True),
        ("lead_accountant_id", "1"),
        ("lead_accountant_id", 1.5),
        ("firm_is_primary_admin", 1),
        ("firm_is_primary_admin", "yes"),
    ],
)
def test_body_values_of_another_json_type_are_refused(
    owner_api, make_client, primary_admin, field, value
):
    """A boolean is not a member's id, nor a number a yes: 422 on the field, nothing
    written, when adding as when editing."""
    added = owner_api.post("/api/v1/clients", {"display_name": "Typed", field: value})
    assert added.status_code == 422
    error = problem_of(added)["errors"][0]
    assert error["loc"] == ["body", field]
    expected = {
        "lead_accountant_id": "Enter a whole number.",
        "firm_is_primary_admin": "Enter true or false.",
    }
    assert error["message"] == expected[field]
    client = make_client(display_name="Kept")
    edited = owner_api.patch(
        f"/api/v1/clients/{client.pk}",
        {field: value},
        headers={"If-Match": f'"{client.version}"'},
    )
    assert edited.status_code == 422
    with scopes_disabled():
        assert not Client.objects.filter(display_name="Typed").exists()
        client.refresh_from_db()
    assert client.lead_accountant_id is None and client.firm_is_primary_admin is False


def test_r6_a_taken_client_number_is_refused_with_the_field(owner_api, make_client):
    make_client(display_name="Holder", client_number="N-1")
    response = owner_api.post("/api/v1/clients", {"display_name": "New", "client_number": "N-1"})
    assert response.status_code == 422
    errors = problem_of(response)["errors"]
    assert errors[0]["loc"] == ["body", "client_number"] and "Holder" in errors[0]["message"]


def test_r5_wholesale_needs_a_plan_and_starts_pending(owner_api):
    missing = owner_api.post("/api/v1/clients", {"display_name": "W", "billing": "wholesale"})
    assert missing.status_code == 422
    assert problem_of(missing)["errors"][0]["loc"] == ["body", "plan_code"]
    bad = owner_api.post(
        "/api/v1/clients", {"display_name": "W", "billing": "wholesale", "plan_code": "nope"}
    )
    assert bad.status_code == 422
    assert problem_of(bad)["errors"][0]["loc"] == ["body", "plan_code"]
    with scopes_disabled():
        assert not Client.objects.filter(display_name="W").exists()
    ok = owner_api.post(
        "/api/v1/clients", {"display_name": "W", "billing": "wholesale", "plan_code": "essentials"}
    )
    assert ok.status_code == 201
    assert ok.json()["billing"] == BillingChoice.WHOLESALE


def test_r10_edit_needs_if_match_and_refuses_a_stale_version(owner_api, make_client):
    client = make_client(display_name="Before")
    path = f"/api/v1/clients/{client.pk}"
    missing = owner_api.patch(path, {"display_name": "After"})
    assert missing.status_code == 428
    ok = owner_api.patch(path, {"display_name": "After"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["display_name"] == "After"
    assert ok["ETag"] == '"2"'
    stale = owner_api.patch(path, {"notes": "lost?"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert problem_of(stale)["current_version"] == 2
    client.refresh_from_db()
    assert (client.display_name, client.notes, client.version) == ("After", "", 2)
    assert owner_api.patch(path, {"notes": "x"}, headers={"If-Match": "W/x"}).status_code == 412


def test_r10_edit_changes_only_what_is_sent_and_null_clears_the_number(owner_api, make_client):
    client = make_client(display_name="Keep", client_number="K-1", phone="0102")
    response = owner_api.patch(
        f"/api/v1/clients/{client.pk}", {"client_number": None}, headers={"If-Match": "1"}
    )
    assert response.status_code == 200
    client.refresh_from_db()
    assert (client.display_name, client.client_number, client.phone) == ("Keep", None, "0102")
    refused = owner_api.patch(
        f"/api/v1/clients/{client.pk}", {"display_name": None}, headers={"If-Match": "2"}
    )
    assert refused.status_code == 422


def test_r11_make_inactive_and_active(owner_api, make_client):
    client = make_client()
    inactive = owner_api.post(f"/api/v1/clients/{client.pk}/make-inactive")
    assert inactive.status_code == 200 and inactive.json()["status"] == "inactive"
    client.refresh_from_db()
    assert client.status == ClientStatus.INACTIVE
    active = owner_api.post(f"/api/v1/clients/{client.pk}/make-active")
    assert active.json()["status"] == "active"


def test_r12_delete_lists_each_unmet_condition(owner_api, wholesale, complete_profile):
    subscription = wholesale()
    client = subscription.client
    client.firm_is_primary_admin = True
    client.save()
    response = owner_api.delete(f"/api/v1/clients/{client.pk}")
    assert response.status_code == 409
    conditions = problem_of(response)["conditions"]
    assert len(conditions) == 2
    assert "primary admin" in conditions[0] and "wholesale" in conditions[1]
    with scopes_disabled():
        assert Client.objects.filter(pk=client.pk).exists()


def test_r12_delete_a_client_that_meets_the_conditions(owner_api, make_client):
    client = make_client()
    assert owner_api.delete(f"/api/v1/clients/{client.pk}").status_code == 204
    with scopes_disabled():
        assert not Client.objects.filter(pk=client.pk).exists()


def test_r2_only_the_primary_admin_deletes(api, token_for, admin_member, make_client):
    client = make_client()
    response = api(token_for(admin_member)).delete(f"/api/v1/clients/{client.pk}")
    assert response.status_code == 403
    with scopes_disabled():
        assert Client.objects.filter(pk=client.pk).exists()


def test_answers_are_in_the_callers_language(api, token_for, primary_admin, make_client):
    client = make_client()
    french = api(token_for(primary_admin), language="fr")
    body = problem_of(french.patch(f"/api/v1/clients/{client.pk}", {"notes": "x"}))
    english = problem_of(
        api(token_for(primary_admin, name="en")).patch(
            f"/api/v1/clients/{client.pk}", {"notes": "x"}
        )
    )
    assert body["detail"] != english["detail"] and "If-Match" in body["detail"]
