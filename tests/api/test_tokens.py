"""Personal access tokens (R34): created on the member's settings page and shown
once, stored hashed, read only or read and write, expiring, revocable, listed for
admins; a token stops at once when revoked, expired, or its member deactivated."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from api.models import ApiToken, TokenScope
from api.services import token_digest
from practice.models import ActivityEvent
from practice.services import membership_deactivate
from tests.api.conftest import problem_of
from tests.practice.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _create_on_page(client_for, member, **data):
    page = client_for(member)
    url = reverse("api_tokens", kwargs={"firm_slug": member.firm.slug})
    fields = {"name": "Accounting sync", "scope": "read", "expires_in_days": "90", **data}
    return page, page.post(url, fields)


def test_r34_the_page_shows_a_new_token_once_and_stores_only_its_digest(
    client_for, standard_member, api
):
    page, response = _create_on_page(client_for, standard_member)
    assert response.status_code == 200
    secret = response.context["created"]["secret"]
    assert secret.startswith("ldg_") and secret in response.content.decode()
    with scopes_disabled():
        row = ApiToken.objects.get(membership=standard_member)
    assert row.digest == token_digest(secret) and secret not in (row.digest, row.prefix)
    assert row.scope == TokenScope.READ and row.name == "Accounting sync"
    assert (row.expires_at - row.created_at) == datetime.timedelta(days=90)
    listing = page.get(reverse("api_tokens", kwargs={"firm_slug": standard_member.firm.slug}))
    assert "Accounting sync" in listing.content.decode()
    assert secret not in listing.content.decode()
    assert api(secret).get("/api/v1/team").status_code == 200


def test_the_page_refuses_a_token_without_a_name(client_for, standard_member):
    _page, response = _create_on_page(client_for, standard_member, name="  ")
    assert response.status_code == 400
    with scopes_disabled():
        assert not ApiToken.objects.exists()


def test_r32_creating_and_revoking_a_token_are_in_the_activity_log(client_for, standard_member):
    page, response = _create_on_page(client_for, standard_member)
    token = response.context["created"]["token"]
    revoke = reverse(
        "api_token_revoke", kwargs={"firm_slug": standard_member.firm.slug, "token_id": token.pk}
    )
    assert page.post(revoke).status_code == 302
    with scopes_disabled():
        verbs = list(
            ActivityEvent.objects.filter(target_type="apitoken", target_id=token.pk)
            .order_by("created_at", "id")
            .values_list("verb", flat=True)
        )
    assert verbs == ["api_token.created", "api_token.revoked"]


def test_r34_a_revoked_token_stops_at_once(client_for, standard_member, token_for, api):
    secret = token_for(standard_member)
    assert api(secret).get("/api/v1/clients").status_code == 200
    with scopes_disabled():
        token = ApiToken.objects.get(membership=standard_member)
    page = client_for(standard_member)
    page.post(
        reverse(
            "api_token_revoke",
            kwargs={"firm_slug": standard_member.firm.slug, "token_id": token.pk},
        )
    )
    response = api(secret).get("/api/v1/clients")
    assert response.status_code == 401
    assert problem_of(response)["code"] == "token_revoked"


def test_r34_an_expired_token_stops(standard_member, token_for, api, travel):
    secret = token_for(standard_member, days=7)
    with travel(days=6, hours=23):
        assert api(secret).get("/api/v1/clients").status_code == 200
    with travel(days=7, seconds=1):
        response = api(secret).get("/api/v1/clients")
    assert response.status_code == 401
    assert problem_of(response)["code"] == "token_expired"


def test_r34_a_deactivated_members_tokens_stop_at_once(
    firm, primary_admin, standard_member, token_for, api
):
    secret = token_for(standard_member)
    assert api(secret).get("/api/v1/clients").status_code == 200
    with scopes_disabled():
        membership_deactivate(firm=firm, membership=standard_member, by=primary_admin)
    response = api(secret).get("/api/v1/clients")
    assert response.status_code == 401
    assert problem_of(response)["code"] == "token_inactive"


def test_a_token_of_a_disabled_account_stops(standard_member, token_for, api):
    secret = token_for(standard_member)
    standard_member.user.is_active = False
    standard_member.user.save()
    assert api(secret).get("/api/v1/clients").status_code == 401


def test_r34_a_read_only_token_reads_but_cannot_write(standard_member, token_for, api, make_client):
    client = make_client()
    reader = api(token_for(standard_member, scope=TokenScope.READ))
    assert reader.get(f"/api/v1/clients/{client.pk}").status_code == 200
    attempts = [
        reader.post("/api/v1/clients", {"display_name": "New"}),
        reader.patch(f"/api/v1/clients/{client.pk}", {"notes": "x"}, headers={"If-Match": "1"}),
        reader.post(f"/api/v1/clients/{client.pk}/make-inactive"),
        reader.delete(f"/api/v1/clients/{client.pk}"),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    assert {problem_of(r)["code"] for r in attempts} == {"read_only"}
    client.refresh_from_db()
    assert client.is_active and client.notes == ""


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer nope", "Basic abc", "Bearer ldg_", "Bearer ldg_abc_def"],
)
def test_missing_or_made_up_tokens_get_401(api, header, db):
    client = api()
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/clients", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert problem_of(response)["code"] in {"token_missing", "token_invalid"}


def test_a_token_with_a_right_prefix_and_a_wrong_secret_gets_401(standard_member, token_for, api):
    secret = token_for(standard_member)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert api(forged).get("/api/v1/clients").status_code == 401


def test_last_used_is_noted(standard_member, token_for, api):
    secret = token_for(standard_member)
    with scopes_disabled():
        assert ApiToken.objects.get(membership=standard_member).last_used_at is None
    api(secret).get("/api/v1/team")
    with scopes_disabled():
        assert ApiToken.objects.get(membership=standard_member).last_used_at is not None


def test_admins_list_and_revoke_the_firms_tokens(
    client_for, admin_member, standard_member, token_for
):
    token_for(standard_member, name="Member tool")
    page = client_for(admin_member)
    listing = page.get(reverse("api_tokens_firm", kwargs={"firm_slug": admin_member.firm.slug}))
    assert listing.status_code == 200
    assert "Member tool" in listing.content.decode()
    with scopes_disabled():
        token = ApiToken.objects.get(membership=standard_member)
    response = page.post(
        reverse(
            "api_token_revoke", kwargs={"firm_slug": admin_member.firm.slug, "token_id": token.pk}
        ),
        {"next": "firm"},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_member.user


def test_standard_members_see_neither_the_firm_list_nor_others_tokens(
    client_for, firm, standard_member, token_for
):
    with scopes_disabled():
        colleague = MembershipFactory(firm=firm)
    token_for(colleague)
    page = client_for(standard_member)
    assert page.get(reverse("api_tokens_firm", kwargs={"firm_slug": firm.slug})).status_code == 403
    with scopes_disabled():
        token = ApiToken.objects.get(membership=colleague)
    revoke = reverse("api_token_revoke", kwargs={"firm_slug": firm.slug, "token_id": token.pk})
    assert page.post(revoke).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_works_in_its_own_firm_only(firm, other_firm, token_for, api):
    """A person in two firms has a token per firm; each reads its firm's clients."""
    from tests.clients.factories import ClientFactory

    with scopes_disabled():
        here = MembershipFactory(firm=firm)
        there = MembershipFactory(firm=other_firm, user=here.user)
        ours = ClientFactory(firm=firm, display_name="Ours")
        theirs = ClientFactory(firm=other_firm, display_name="Theirs")
    names_here = [
        c["display_name"] for c in api(token_for(here)).get("/api/v1/clients").json()["items"]
    ]
    names_there = [
        c["display_name"] for c in api(token_for(there)).get("/api/v1/clients").json()["items"]
    ]
    assert names_here == [ours.display_name] and names_there == [theirs.display_name]


def test_rate_limit_answers_429_with_retry_after(settings, standard_member, token_for, api):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_WINDOW = 60
    client = api(token_for(standard_member))
    answers = [client.get("/api/v1/team") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Limit"] == "3" and answers[2]["RateLimit-Remaining"] == "0"
    limited = answers[3]
    assert problem_of(limited)["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another token of the same member has its own count.
    assert api(token_for(standard_member, name="Other")).get("/api/v1/team").status_code == 200


def test_r33_a_firm_requiring_two_step_refuses_tokens_of_members_without_it(
    firm, standard_member, token_for, api, unscoped
):
    secret = token_for(standard_member)
    firm.two_step_required_from = datetime.date(2000, 1, 1)
    firm.save()
    response = api(secret).get("/api/v1/clients")
    assert response.status_code == 403
    assert problem_of(response)["code"] == "two_step_required"
