"""Two identical submissions at once (issue 14) on the client pages: a unique
constraint answers with the sequential form error, never a server error, and
"Add client" sent twice (a double click) adds one client."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as WebClient
from django.urls import reverse
from django_scopes import scopes_disabled

from clients import services
from clients.companies import portal_access
from clients.companies import services as company_services
from clients.models import Client, Company, CompanyMember
from practice import services as practice_services
from practice import submissions
from practice.models import ActivityEvent, User
from tests.clients.factories import CompanyFactory, CompanyMemberFactory, connect, portal_user
from tests.races import meet_after, passes_once, postgresql_only, race, then_rival

TAKEN = "The client number “L-9” is already used by Librairie Roy."
IN_TEAM = "This person is already in the company&#x27;s team."
NEW = {"client_type": "business", "display_name": "Papeterie", "billing": "none"}
BOB = {"full_name": "Bob Roy", "email": "bob@lac.test", "role": "standard"}


def clients(firm):
    with scopes_disabled():
        return list(Client.objects.filter(firm=firm).order_by("pk"))


def events(firm, verb):
    with scopes_disabled():
        return ActivityEvent.objects.filter(firm=firm, verb=verb).count()


def form_token(response) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def company(db):
    return CompanyFactory(name="Fromagerie du Lac")


@pytest.fixture
def firm_client(firm, company):
    with scopes_disabled():
        return connect(company, firm)


def team_add_url(firm, client):
    return reverse("clients:team_add", kwargs={"firm_slug": firm.slug, "client_id": client.pk})


# Client number: client_number_unique_per_firm -----------------------------------------


@pytest.mark.django_db
def test_add_client_raced_by_the_same_number_shows_the_number_error(
    monkeypatch, client_for, firm, standard_member, make_client, urls
):
    holder = make_client(display_name="Librairie Roy", client_number="L-9")
    companies = Company.objects.count()
    calls = passes_once(monkeypatch, services, "_check_client_number")
    response = client_for(standard_member).post(urls("add"), {**NEW, "client_number": "L-9"})
    assert response.status_code == 400
    assert TAKEN in response.content.decode()
    assert len(calls) == 2
    assert clients(firm) == [holder]
    assert Company.objects.count() == companies  # nothing half-written
    assert events(firm, "client.created") == 0


@pytest.mark.django_db
def test_edit_client_raced_by_the_same_number_shows_the_number_error(
    monkeypatch, firm, standard_member, make_client, in_firm
):
    make_client(display_name="Librairie Roy", client_number="L-9")
    mine = make_client(display_name="Papeterie", client_number="P-1")
    passes_once(monkeypatch, services, "_check_client_number")
    with pytest.raises(ValidationError) as exc:
        services.client_update(
            firm=firm, client=mine, by=standard_member, version=1, client_number="L-9"
        )
    assert exc.value.message_dict == {"client_number": [exc.value.messages[0]]}
    assert exc.value.messages[0].startswith(TAKEN)
    mine.refresh_from_db()
    assert (mine.client_number, mine.version) == ("P-1", 1)
    assert events(firm, "client.updated") == 0


# Company team members: company_member_email_unique ----------------------------------


@pytest.mark.django_db
def test_client_team_add_raced_by_the_same_address_shows_the_team_error(
    monkeypatch, client_for, firm, standard_member, firm_client
):
    CompanyMemberFactory(company=firm_client.company_account, email="bob@lac.test")
    passes_once(monkeypatch, company_services, "_check_new_member")
    response = client_for(standard_member).post(
        team_add_url(firm, firm_client), {**BOB, "email": "Bob@Lac.test"}
    )
    assert response.status_code == 400
    assert IN_TEAM in response.content.decode()
    assert CompanyMember.objects.filter(company=firm_client.company_account).count() == 1
    assert events(firm, "client.member_added") == 0


@pytest.mark.django_db
def test_portal_team_add_raced_by_the_same_address_shows_the_team_error(
    monkeypatch, client_for, company
):
    admin = portal_user(company)
    CompanyMemberFactory(company=company, email="bob@lac.test")
    passes_once(monkeypatch, company_services, "_check_new_member")
    response = client_for(admin.user).post(
        reverse("portal:member_add", args=[company.pk]), {**BOB, "portal_access": "on"}
    )
    assert response.status_code == 400
    assert IN_TEAM in response.content.decode()
    assert CompanyMember.objects.filter(company=company).count() == 2
    assert mail.outbox == []


@pytest.mark.django_db
def test_portal_account_raced_by_the_same_address_shows_the_sign_in_error(
    monkeypatch, client, company, run_on_commit
):
    admin = portal_user(company)
    member = CompanyMemberFactory(company=company, email="dana@lac.test")
    portal_access.company_member_invite_portal(company=company, member=member, by=admin)
    path = re.search(r"https?://[^/\s]+(/portal/join/\S+/)", mail.outbox[-1].body).group(1)
    then_rival(
        monkeypatch,
        practice_services,
        "_check_no_account",
        lambda: User.objects.create_user(email="dana@lac.test", password="x"),
    )
    response = client.post(
        path, {"full_name": "Dana", "password1": "Tr3s-secret!", "password2": "Tr3s-secret!"}
    )
    assert response.status_code == 200
    assert "An account with this e-mail address exists already" in response.content.decode()
    member.refresh_from_db()
    assert member.user is None and member.portal_invitation_pending


# "Add client" sent twice (form token) ----------------------------------------------


@pytest.mark.django_db
def test_add_client_sent_twice_with_its_token_adds_one(client_for, firm, standard_member, urls):
    c = client_for(standard_member)
    data = {**NEW, "form_token": form_token(c.get(urls("add")))}
    first, second = c.post(urls("add"), data), c.post(urls("add"), data)
    (client,) = clients(firm)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == urls("detail", client_id=client.pk)
    assert events(firm, "client.created") == 1


@pytest.mark.django_db
def test_save_and_add_another_sent_twice_adds_one(client_for, firm, standard_member, urls):
    c = client_for(standard_member)
    data = {**NEW, "add_another": "1", "form_token": form_token(c.get(urls("add")))}
    first, second = c.post(urls("add"), data), c.post(urls("add"), data)
    assert len(clients(firm)) == 1
    assert first["Location"] == second["Location"] == urls("add")
    # the next form gets a token of its own
    assert form_token(c.get(urls("add"))) != data["form_token"]


@pytest.mark.django_db
def test_add_client_without_a_token_still_adds(client_for, firm, standard_member, urls):
    c = client_for(standard_member)
    assert c.post(urls("add"), NEW).status_code == 302
    assert c.post(urls("add"), NEW).status_code == 302
    assert len(clients(firm)) == 2


@pytest.mark.django_db
def test_a_refused_add_keeps_its_token(client_for, firm, standard_member, make_client, urls):
    make_client(display_name="Librairie Roy", client_number="L-9")
    c = client_for(standard_member)
    token = form_token(c.get(urls("add")))
    refused = c.post(urls("add"), {**NEW, "client_number": "L-9", "form_token": token})
    assert refused.status_code == 400 and form_token(refused) == token
    fixed = c.post(urls("add"), {**NEW, "client_number": "L-10", "form_token": token})
    assert fixed.status_code == 302 and len(clients(firm)) == 2


# PostgreSQL: the same form from two connections at once --------------------------------


def signed_in(user) -> WebClient:
    c = WebClient(raise_request_exception=False)
    c.force_login(user)
    return c


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_two_clients_with_the_same_number_at_once(monkeypatch, firm, standard_member, urls):
    meet_after(monkeypatch, services, "_check_client_number")
    webs = [signed_in(standard_member.user) for _ in range(2)]
    data = {**NEW, "client_number": "L-9"}
    answers = race(*[lambda c=c: c.post(urls("add"), data) for c in webs])
    assert sorted(a.status_code for a in answers) == [302, 400]
    refused = next(a for a in answers if a.status_code == 400).content.decode()
    assert "The client number “L-9” is already used by Papeterie." in refused
    assert len(clients(firm)) == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_two_edits_to_the_same_number_at_once(monkeypatch, firm, standard_member, make_client):
    meet_after(monkeypatch, services, "_check_client_number")
    one = make_client(display_name="One", client_number="A-1")
    two = make_client(display_name="Two", client_number="A-2")
    webs = [signed_in(standard_member.user) for _ in range(2)]

    def edit(web, client):
        url = reverse("clients:edit", kwargs={"firm_slug": firm.slug, "client_id": client.pk})
        data = {
            "version": 1,
            "client_type": "business",
            "display_name": client.display_name,
            "client_number": "Z-9",
            "tax_preparation_status": "not_started",
            "tax_return_status": "not_filed",
        }
        return web.post(url, data)

    answers = race(lambda: edit(webs[0], one), lambda: edit(webs[1], two))
    assert sorted(a.status_code for a in answers) == [302, 400]
    assert [c.client_number for c in clients(firm)].count("Z-9") == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_two_client_team_adds_at_once(monkeypatch, firm, standard_member, firm_client):
    meet_after(monkeypatch, company_services, "_check_new_member")
    webs = [signed_in(standard_member.user) for _ in range(2)]
    answers = race(*[lambda c=c: c.post(team_add_url(firm, firm_client), BOB) for c in webs])
    assert sorted(a.status_code for a in answers) == [302, 400]
    assert IN_TEAM in next(a for a in answers if a.status_code == 400).content.decode()
    assert CompanyMember.objects.filter(company=firm_client.company_account).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_two_portal_team_adds_at_once(monkeypatch, company):
    meet_after(monkeypatch, company_services, "_check_new_member")
    admin = portal_user(company)
    webs = [signed_in(admin.user) for _ in range(2)]
    url = reverse("portal:member_add", args=[company.pk])
    answers = race(*[lambda c=c: c.post(url, BOB) for c in webs])
    assert sorted(a.status_code for a in answers) == [302, 400]
    assert CompanyMember.objects.filter(company=company, email="bob@lac.test").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_pg_add_client_double_click_adds_one(monkeypatch, firm, standard_member, urls):
    meet_after(monkeypatch, submissions, "valid_token")
    token = form_token(signed_in(standard_member.user).get(urls("add")))
    webs = [signed_in(standard_member.user) for _ in range(2)]
    data = {**NEW, "form_token": token}
    answers = race(*[lambda c=c: c.post(urls("add"), data) for c in webs])
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert len(clients(firm)) == 1
