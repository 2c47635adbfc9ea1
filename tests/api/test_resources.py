"""Imports (R26–R29), subscriptions (R16–R19), statements (R21) and the activity
log (R32) through the API, with the pages' services, rules and reasons."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT
from django_scopes import scopes_disabled

from subscriptions.models import Billing, SubscriptionStatus
from tests.api.conftest import problem_of
from tests.imports.factories import csv_bytes, numbers_of
from tests.subscriptions.factories import product

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_api(api, token_for, primary_admin):
    return api(token_for(primary_admin))


def _upload(client, data, mode="check", name="clients.csv"):
    return client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "mode": mode},
        content_type=MULTIPART_CONTENT,
    )


@pytest.fixture
def uploader(api, token_for, standard_member, media_root, django_capture_on_commit_callbacks):
    client = api(token_for(standard_member))

    def upload(data, mode="check", name="clients.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            return _upload(client, data, mode, name)

    upload.client = client
    return upload


# Imports ------------------------------------------------------------------------


def test_r26_r28_check_then_import_then_undo(
    uploader, make_clients, django_capture_on_commit_callbacks
):
    a, b = make_clients("OLD-A", None)
    data = csv_bytes(
        [[a.company_id, a.display_name, "NEW-A"], [b.company_id, "Wrong name", "NEW-B"]]
    )
    check = uploader(data, mode="check")
    assert check.status_code == 202, check.content
    job_id = check.json()["id"]
    job = uploader.client.get(f"/api/v1/imports/{job_id}").json()
    assert (job["mode"], job["status"], job["updated"], job["failed"]) == ("check", "done", 1, 1)
    assert numbers_of([a, b]) == ["OLD-A", None]

    errors = uploader.client.get(f"/api/v1/imports/{job_id}/errors.csv")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("text/csv")
    text = b"".join(errors.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Company ID", "Display name", "Client number"]
    assert rows[1][:3] == [b.company_id, "Wrong name", "NEW-B"] and rows[1][3]

    client = uploader.client
    with django_capture_on_commit_callbacks(execute=True):
        confirm_response = client.post(f"/api/v1/imports/{job_id}/import")
    assert confirm_response.status_code == 202
    imported = client.get(f"/api/v1/imports/{confirm_response.json()['id']}").json()
    assert (imported["mode"], imported["status"], imported["source_id"]) == (
        "import",
        "done",
        job_id,
    )
    assert numbers_of([a, b]) == ["NEW-A", None] and imported["can_undo"]

    undone = client.post(f"/api/v1/imports/{imported['id']}/undo")
    assert undone.status_code == 200 and undone.json()["restored"] == 1
    assert numbers_of([a]) == ["OLD-A"]
    again = client.post(f"/api/v1/imports/{imported['id']}/undo")
    assert again.status_code == 409 and problem_of(again)["conditions"]


def test_r27_r29_files_over_the_limits_or_unreadable_are_refused(uploader, settings):
    unreadable = uploader(b"\x00\x01\x02 not a csv")
    assert unreadable.status_code == 422
    assert problem_of(unreadable)["errors"][0]["loc"] == ["body", "file"]
    settings.IMPORT_MAX_ROWS = 1
    too_many = uploader(csv_bytes([["1", "a", "x"], ["2", "b", "y"]]))
    assert too_many.status_code == 422
    settings.IMPORT_MAX_BYTES = 100
    too_big = uploader(csv_bytes([["1", "a" * 200, "x"]]))
    assert too_big.status_code == 413
    assert problem_of(too_big)["code"] == "too_large"
    listed = uploader.client.get("/api/v1/imports").json()["items"]
    assert listed == []


def test_the_upload_needs_a_file(uploader):
    response = uploader.client.post(
        "/api/v1/imports", {"mode": "check"}, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 422


def test_imports_are_listed_newest_first_with_cursors(uploader, make_clients):
    (a,) = make_clients(None)
    ids = [
        uploader(csv_bytes([[a.company_id, a.display_name, f"N{n}"]])).json()["id"]
        for n in range(3)
    ]
    first = uploader.client.get("/api/v1/imports", data={"limit": 2}).json()
    second = uploader.client.get(
        "/api/v1/imports", data={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [j["id"] for j in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


# Subscriptions --------------------------------------------------------------------


def test_r17_subscriptions_are_read_with_their_moves_and_reasons(
    owner_api, wholesale, complete_profile
):
    sub = wholesale("essentials")
    listed = owner_api.get("/api/v1/subscriptions").json()["items"]
    assert [item["id"] for item in listed] == [sub.pk]
    assert listed[0]["billing"] == "wholesale" and listed[0]["product_code"] == "essentials"
    detail = owner_api.get(f"/api/v1/subscriptions/{sub.pk}").json()
    assert {o["plan_code"] for o in detail["upgrades"]} == {"plus", "advanced"}
    assert all(o["allowed"] for o in detail["upgrades"])
    by_client = owner_api.get("/api/v1/subscriptions", data={"client_id": sub.client_id}).json()
    assert [item["id"] for item in by_client["items"]] == [sub.pk]


def test_r16_upgrade_and_a_pending_plan_is_refused_with_its_reason(
    owner_api, wholesale, complete_profile
):
    sub = wholesale("essentials")
    response = owner_api.post(f"/api/v1/subscriptions/{sub.pk}/upgrade", {"plan_code": "plus"})
    assert response.status_code == 200, response.content
    assert response.json()["product_code"] == "plus"
    pending = wholesale("essentials", status=SubscriptionStatus.PENDING)
    refused = owner_api.post(f"/api/v1/subscriptions/{pending.pk}/upgrade", {"plan_code": "plus"})
    assert refused.status_code == 409
    assert "pending" in problem_of(refused)["conditions"][0]
    unknown = owner_api.post(f"/api/v1/subscriptions/{sub.pk}/upgrade", {"plan_code": "gold"})
    assert unknown.status_code == 422


def test_r18_downgrade_refused_while_users_exceed_the_lower_plan(
    owner_api, wholesale, complete_profile
):
    from tests.subscriptions.factories import ClientUsageFactory

    sub = wholesale("plus")
    with scopes_disabled():
        ClientUsageFactory(firm=sub.firm, client=sub.client, users=40)
    refused = owner_api.post(
        f"/api/v1/subscriptions/{sub.pk}/downgrade", {"plan_code": "essentials"}
    )
    assert refused.status_code == 409
    assert "users" in problem_of(refused)["conditions"][0]
    sub.refresh_from_db()
    assert sub.product == product("plus")


def test_remove_from_wholesale_and_standard_members_may_not(
    api, token_for, owner_api, standard_member, wholesale
):
    sub = wholesale("essentials")
    standard = api(token_for(standard_member)).post(
        f"/api/v1/subscriptions/{sub.pk}/remove-from-wholesale"
    )
    assert standard.status_code == 403
    response = owner_api.post(f"/api/v1/subscriptions/{sub.pk}/remove-from-wholesale")
    assert response.status_code == 200 and response.json()["billing"] == Billing.DIRECT


# Statements ------------------------------------------------------------------------


def test_r21_statements_with_lines_and_csv(
    owner_api, firm, wholesale, api, token_for, standard_member
):
    from tests.billing.factories import issued_statement

    start = datetime.date(2024, 1, 1)
    for code in ("essentials", "plus", "essentials"):
        wholesale(code, start=start)
    with scopes_disabled():
        statement = issued_statement(firm, 2024, 1)
    listed = owner_api.get("/api/v1/statements").json()["items"]
    assert [s["id"] for s in listed] == [statement.pk]
    first = owner_api.get(f"/api/v1/statements/{statement.pk}", data={"limit": 2}).json()
    assert len(first["lines"]) == 2 and first["next_cursor"]
    rest = owner_api.get(
        f"/api/v1/statements/{statement.pk}", data={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    lines = first["lines"] + rest["lines"]
    assert len(lines) == 3 and rest["next_cursor"] is None
    total = first["totals"][0]
    assert Decimal(total["net_amount"]) == sum(Decimal(line["net_amount"]) for line in lines)
    csv_response = owner_api.get(f"/api/v1/statements/{statement.pk}/csv")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 3 + 1
    standard = api(token_for(standard_member))
    assert standard.get("/api/v1/statements").status_code == 403
    assert standard.get(f"/api/v1/statements/{statement.pk}").status_code == 403


# Activity --------------------------------------------------------------------------


def test_r32_activity_filtered_by_person_and_date(
    owner_api, primary_admin, standard_member, api, token_for, today_is
):
    today_is(datetime.date(2025, 3, 10))
    api(token_for(standard_member)).post("/api/v1/clients", {"display_name": "By member"})
    today_is(datetime.date(2025, 3, 12))
    owner_api.post("/api/v1/clients", {"display_name": "By owner"})
    everything = owner_api.get("/api/v1/activity").json()["items"]
    assert [e["target_label"] for e in everything if e["verb"] == "client.created"] == [
        "By owner",
        "By member",
    ]
    mine = owner_api.get("/api/v1/activity", data={"person_id": standard_member.pk}).json()
    assert {e["actor"]["email"] for e in mine["items"]} == {standard_member.user.email}
    day = owner_api.get("/api/v1/activity", data={"start": "2025-03-12", "end": "2025-03-12"})
    labels = [e["target_label"] for e in day.json()["items"]]
    assert "By owner" in labels and "By member" not in labels
    created = next(e for e in everything if e["target_label"] == "By owner")
    assert created["sentence"] == "Added the client By owner"
    paged = owner_api.get("/api/v1/activity", data={"limit": 1}).json()
    second = owner_api.get(
        "/api/v1/activity", data={"limit": 1, "cursor": paged["next_cursor"]}
    ).json()
    assert paged["items"][0]["id"] != second["items"][0]["id"]
    wrong = owner_api.get("/api/v1/activity", data={"start": "2025-03-12", "end": "2025-03-01"})
    assert wrong.status_code == 422
