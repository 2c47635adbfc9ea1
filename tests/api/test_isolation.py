"""Tenant isolation of the API, over every operation of its OpenAPI document
that names an object (not hand-picked URLs):
  - firm B's token on firm A's ids: 404, exactly like a missing id (R1, R31);
  - a token of a member restricted to assigned clients, on a client of the same
    firm they are not assigned to (or something of that client): 404 like a
    missing id; on their assigned client, not 404 (R30, R31).
A new operation whose path names an object not in OBJECT_IN_FIRM fails here."""

import re

import pytest
from django.test.client import MULTIPART_CONTENT
from django_scopes import scopes_disabled

from api.main import api as ninja_api
from clients.models import ClientAssignment
from practice.models import ClientAccess
from tests.api.conftest import problem_of
from tests.clients.factories import ClientFactory
from tests.practice.factories import FirmFactory, MembershipFactory

pytestmark = pytest.mark.django_db

MISSING = 987654321


def _client(firm, owner):
    return ClientFactory(firm=firm, lead_accountant=owner).pk


def _job(firm, owner):
    from imports.models import ImportMode
    from tests.imports.factories import ImportJobFactory

    return ImportJobFactory(firm=firm, created_by=owner.user, mode=ImportMode.CHECK).pk


def _subscription(firm, owner):
    from tests.subscriptions.factories import SubscriptionFactory

    return SubscriptionFactory(client=ClientFactory(firm=firm)).pk


def _statement(firm, owner):
    from tests.billing.factories import issued_statement

    return issued_statement(firm).pk


OBJECT_IN_FIRM = {
    "client_id": _client,
    "job_id": _job,
    "subscription_id": _subscription,
    "statement_id": _statement,
}
# Bodies that pass validation, so the answer comes from the lookup.
BODIES = {
    ("patch", "/api/v1/clients/{client_id}"): {"notes": "changed"},
    ("post", "/api/v1/subscriptions/{subscription_id}/upgrade"): {"plan_code": "advanced"},
    ("post", "/api/v1/subscriptions/{subscription_id}/downgrade"): {"plan_code": "simple_start"},
}


def operations():
    """(method, path, the path's parameters) of every operation naming an object."""
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1/")
    found = []
    for path, methods in schema["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        for method in methods:
            if names:
                found.append((method, path, names))
    return found


def _call(client, method, path, ids):
    url = path.format(**ids)
    body = BODIES.get((method, path))
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    send = getattr(client, method)
    headers = {"If-Match": '"1"'} if method == "patch" else None
    if body is None:
        return send(url, {}, content_type=MULTIPART_CONTENT, headers=headers)
    return send(url, body, headers=headers)


def test_every_object_in_an_api_path_is_known():
    assert len(operations()) >= 12
    unknown = {name for _m, _p, names in operations() for name in names} - set(OBJECT_IN_FIRM)
    assert not unknown, f"add {unknown} to OBJECT_IN_FIRM in tests/api/test_isolation.py"


@pytest.fixture
def two_firms(db):
    with scopes_disabled():
        firm_a, firm_b = FirmFactory(), FirmFactory()
        owner_a = MembershipFactory(firm=firm_a, role="primary_admin")
        owner_b = MembershipFactory(firm=firm_b, role="primary_admin")
        objects_a = {key: build(firm_a, owner_a) for key, build in OBJECT_IN_FIRM.items()}
    return owner_a, owner_b, objects_a


def test_r1_another_firms_ids_answer_404_like_missing_ones(two_firms, token_for, api):
    owner_a, owner_b, objects_a = two_firms
    intruder = api(token_for(owner_b))
    leaks = []
    for method, path, names in operations():
        foreign = _call(intruder, method, path, {n: objects_a[n] for n in names})
        missing = _call(intruder, method, path, dict.fromkeys(names, MISSING))
        if (foreign.status_code, missing.status_code) != (404, 404):
            leaks.append((method, path, foreign.status_code, missing.status_code))
        else:
            assert problem_of(foreign) == problem_of(missing)
    assert not leaks, leaks
    # The owner's own token reaches the same objects (the 404s above are not a given).
    owner = api(token_for(owner_a))
    reached = [
        (method, path)
        for method, path, names in operations()
        if method == "get"
        and _call(owner, method, path, {n: objects_a[n] for n in names}).status_code == 200
    ]
    assert len(reached) == len([op for op in operations() if op[0] == "get"])


def _of_client_subscription(client):
    from tests.subscriptions.factories import SubscriptionFactory

    return SubscriptionFactory(client=client).pk


CLIENT_OWNED = {"client_id": lambda client: client.pk, "subscription_id": _of_client_subscription}


@pytest.fixture
def restricted(db):
    with scopes_disabled():
        firm = FirmFactory()
        owner = MembershipFactory(firm=firm, role="primary_admin")
        member = MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)
        assigned = ClientFactory(firm=firm, lead_accountant=owner, display_name="Assigned")
        other = ClientFactory(firm=firm, lead_accountant=owner, display_name="Other")
        ClientAssignment.objects.create(firm=firm, client=assigned, membership=member)
        objects = {
            name: {key: build(client) for key, build in CLIENT_OWNED.items()}
            for name, client in (("assigned", assigned), ("other", other))
        }
    return member, objects


def test_r31_a_restricted_members_token_gets_404_for_unassigned_clients(restricted, token_for, api):
    member, objects = restricted
    client = api(token_for(member))
    client_ops = [op for op in operations() if set(op[2]) & set(CLIENT_OWNED)]
    assert len(client_ops) >= 9
    leaks, reached = [], []
    for method, path, names in client_ops:
        other = _call(client, method, path, {n: objects["other"][n] for n in names})
        missing = _call(client, method, path, dict.fromkeys(names, MISSING))
        if (other.status_code, missing.status_code) != (404, 404):
            leaks.append((method, path, other.status_code, missing.status_code))
        assigned = _call(client, method, path, {n: objects["assigned"][n] for n in names})
        if assigned.status_code != 404:
            reached.append((method, path))
    assert not leaks, leaks
    assert len(reached) == len(client_ops)


def test_r31_a_restricted_members_lists_hold_only_their_clients(restricted, token_for, api):
    member, objects = restricted
    client = api(token_for(member))
    listed = client.get("/api/v1/clients").json()["items"]
    assert [c["display_name"] for c in listed] == ["Assigned"]
    found = client.get("/api/v1/clients", data={"q": "Other"}).json()["items"]
    assert found == []
    other_client = objects["other"]["client_id"]
    by_client = client.get("/api/v1/subscriptions", data={"client_id": other_client})
    assert by_client.status_code == 404
    subscriptions = client.get("/api/v1/subscriptions").json()["items"]
    assert [s["client_id"] for s in subscriptions] == [objects["assigned"]["client_id"]]


def test_r30_a_restricted_member_sees_the_client_they_create(restricted, token_for, api):
    member, _objects = restricted
    client = api(token_for(member))
    created = client.post("/api/v1/clients", {"display_name": "Mine now"})
    assert created.status_code == 201 and created.json()["display_name"] == "Mine now"
    assert client.get(f"/api/v1/clients/{created.json()['id']}").status_code == 404


@pytest.mark.parametrize("key", [2**31, 2**63, 10**30], ids=["past_int", "past_bigint", "huge"])
def test_an_id_past_any_table_answers_404_like_a_missing_one(two_firms, token_for, api, key):
    owner_a, _owner_b, _objects_a = two_firms
    owner = api(token_for(owner_a))
    answers = []
    for method, path, names in operations():
        forged = _call(owner, method, path, dict.fromkeys(names, key))
        missing = _call(owner, method, path, dict.fromkeys(names, MISSING))
        answers.append((method, path, forged.status_code, missing.status_code))
        if forged.status_code == 404:
            assert problem_of(forged) == problem_of(missing), (method, path)
    assert [a for a in answers if a[2] != 404] == []
