"""Tenant isolation, checked over the whole URLconf (not hand-picked URLs).

Every URL pattern must be either a firm page (its route has <firm_slug>), a
public/account page listed in NON_FIRM_URLS, or the Django admin. Each firm
page is requested:
  - anonymously: sign-in redirect;
  - by a member of firm B at firm A's address: 404;
  - by firm B's primary admin at firm B's address with firm A's object ids: 404,
    exactly like a missing object.
A new URL whose kwargs are not in OBJECT_IN_FIRM makes these tests fail, so each
new view has to be covered here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from tests.clients.factories import ClientFactory
from tests.practice.factories import InvitationFactory, MembershipFactory

# Pages outside any firm: accounts, the firm picker, invitation links, language.
NON_FIRM_URLS = {
    "home",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "firm_picker",
    "firm_create",
    "set_language",
    "invitation_accept",
    # The client portal and the client side's e-mailed links: covered by the portal
    # isolation matrix in tests/clients/test_portal_isolation.py.
    "portal_join",
    "accountant_invitation",
    "portal:overview",
    "portal:team",
    "portal:member_add",
    "portal:two_step_policy",
    "portal:primary_admin",
    "portal:member_edit",
    "portal:member_role",
    "portal:member_active",
    "portal:member_invite",
    "portal:accountants",
    "portal:accountant_invite",
    "portal:accountant_invitation_resend",
    "portal:accountant_invitation_revoke",
    "portal:billing",
    "time_invitation_accept",
    # Accounts (django-allauth): the signed-in person's own account, never a firm's.
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_email",
    "account_email_moved",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    "account_security",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_reauthenticate_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
    "mfa_login_webauthn",
    # /admin/login/ only leads to the site's sign-in (staff only beyond it).
    "admin_login",
}


def _membership(firm, owner):
    return MembershipFactory(firm=firm).pk


def _invitation(firm, owner):
    return InvitationFactory(firm=firm, invited_by=owner.user).pk


def _client(firm, owner):
    return ClientFactory(firm=firm, lead_accountant=owner).pk


def _company_member(firm, owner):
    from clients.models import Company, CompanyMember

    company = Company.objects.create(name="Company of another firm")
    ClientFactory(firm=firm, company_account=company)
    return CompanyMember.objects.create(
        company=company, full_name="Someone", email="someone@example.test"
    ).pk


def _subscription(firm, owner):
    from tests.subscriptions.factories import SubscriptionFactory

    return SubscriptionFactory(client=ClientFactory(firm=firm)).pk


def _statement(firm, owner):
    from tests.billing.factories import issued_statement

    return issued_statement(firm).pk


def _setup(firm, owner):
    from tests.subscriptions.factories import app_setup_for

    return app_setup_for(firm).pk


def _import_job(firm, owner):
    from imports.models import ImportMode
    from tests.imports.factories import ImportJobFactory

    # A finished import, not a check: the changes download answers for it in its
    # own firm, so the 404 other firms get comes from the tenancy check.
    return ImportJobFactory(firm=firm, created_by=owner.user, mode=ImportMode.IMPORT).pk


def _endpoint(firm, owner):
    from webhooks.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        firm=firm, url="https://hooks.example.test/in", events=["client.created"]
    ).pk


def _api_token(firm, owner):
    from api.services import api_token_create

    return api_token_create(firm=firm, by=owner, name="Tool", scope="read", expires_in_days=30)[
        0
    ].pk


# kwarg name -> builds an object of `firm` and returns the value for the URL.
OBJECT_IN_FIRM = {
    "membership_id": _membership,
    "invitation_id": _invitation,
    "client_id": _client,
    "member_id": _company_member,
    "subscription_id": _subscription,
    "statement_id": _statement,
    "setup_id": _setup,
    "job_id": _import_job,
    "endpoint_id": _endpoint,
    "token_id": _api_token,
}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = ":".join(filter(None, [namespace, ns])) if ns else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def all_routes():
    routes = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        # The admin is staff-only; the API (/api/v1/, no firm in its addresses: the
        # token names it) has its own matrix in tests/api/test_isolation.py.
        if namespace and namespace.split(":")[0] in ("admin", "api"):
            continue
        name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
        kwargs = sorted(set(pattern.pattern.converters) | _outer_kwargs(route))
        routes.append((route, name, kwargs))
    return routes


def _outer_kwargs(route: str) -> set[str]:
    import re

    return set(re.findall(r"<(?:\w+:)?(\w+)>", route))


FIRM_ROUTES = [r for r in all_routes() if "firm_slug" in r[2]]


def test_every_url_is_classified():
    unclassified = [
        (route, name)
        for route, name, kwargs in all_routes()
        if "firm_slug" not in kwargs and name not in NON_FIRM_URLS
    ]
    assert not unclassified, (
        "URLs outside /f/<firm_slug>/ must be listed in NON_FIRM_URLS (and be safe without a firm): "
        f"{unclassified}"
    )


def test_every_firm_url_is_named_and_has_known_kwargs():
    problems = []
    for route, name, kwargs in FIRM_ROUTES:
        if not name:
            problems.append(f"{route}: give the URL a name")
        unknown = [k for k in kwargs if k != "firm_slug" and k not in OBJECT_IN_FIRM]
        if unknown:
            problems.append(f"{route}: add {unknown} to OBJECT_IN_FIRM in tests/test_isolation.py")
    assert not problems, problems


@pytest.fixture
def two_firms(db):
    """Firm A with one object of each kind; firm B with its own primary admin."""
    from tests.practice.factories import FirmFactory

    with scopes_disabled():
        firm_a, firm_b = FirmFactory(), FirmFactory()
        owner_a = MembershipFactory(firm=firm_a, role="primary_admin")
        owner_b = MembershipFactory(firm=firm_b, role="primary_admin")
        objects_a = {key: build(firm_a, owner_a) for key, build in OBJECT_IN_FIRM.items()}
    return firm_a, firm_b, owner_b, objects_a


def _url(name, firm, objects, kwargs):
    values = {"firm_slug": firm.slug}
    values.update({k: objects[k] for k in kwargs if k != "firm_slug"})
    return reverse(name, kwargs=values)


def _get_or_post(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, two_firms):
    firm_a, _firm_b, _owner_b, objects_a = two_firms
    for route, name, kwargs in FIRM_ROUTES:
        url = _url(name, firm_a, objects_a, kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (route, method, response.status_code)
            assert response["Location"].startswith(reverse("login")), (route, response["Location"])


@pytest.mark.django_db
def test_members_of_another_firm_get_404_at_its_address(client, two_firms):
    firm_a, _firm_b, owner_b, objects_a = two_firms
    client.force_login(owner_b.user)
    for route, name, kwargs in FIRM_ROUTES:
        url = _url(name, firm_a, objects_a, kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (route, method, response.status_code)


@pytest.mark.django_db
def test_another_firms_object_ids_answer_404_like_missing_ones(client, two_firms):
    firm_a, firm_b, owner_b, objects_a = two_firms
    client.force_login(owner_b.user)
    checked = 0
    for route, name, kwargs in FIRM_ROUTES:
        if kwargs == ["firm_slug"]:
            continue
        foreign = _get_or_post(client, _url(name, firm_b, objects_a, kwargs))
        assert foreign.status_code == 404, (route, foreign.status_code)
        missing_ids = dict.fromkeys(OBJECT_IN_FIRM, 987654321)
        missing = _get_or_post(client, _url(name, firm_b, missing_ids, kwargs))
        assert missing.status_code == 404, (route, missing.status_code)
        checked += 1
    assert checked >= 2


@pytest.mark.django_db
def test_public_pages_answer_without_error(client):
    """Anonymous visitors: the home page sends them to sign in; the others render."""
    home = client.get(reverse("home"))
    assert (home.status_code, home["Location"]) == (302, reverse("login"))
    for name in ("login", "account_reset_password", "account_reset_password_done"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 302, name


# Client access (R30, R31) ------------------------------------------------------
# A member restricted to their assigned clients gets, for every URL addressing a
# client or something of one client, 404 for a client of their own firm they are
# not assigned to: exactly like a missing one. kwarg -> builds the object of
# `client` and returns the value for the URL.


def _of_client_company_member(client):
    from clients.models import Company, CompanyMember

    company = Company.objects.create(name=f"Company of {client.display_name}")
    client.company_account = company
    client.save(update_fields=["company_account"])
    return CompanyMember.objects.create(
        company=company, full_name="Someone", email=f"someone{client.pk}@example.test"
    ).pk


def _of_client_subscription(client):
    from tests.subscriptions.factories import SubscriptionFactory

    return SubscriptionFactory(client=client).pk


def _of_client_setup(client):
    from tests.subscriptions.factories import app_setup_for

    return app_setup_for(client.firm, client=client).pk


CLIENT_OWNED = {
    "client_id": lambda client: client.pk,
    "member_id": _of_client_company_member,
    "subscription_id": _of_client_subscription,
    "setup_id": _of_client_setup,
}
CLIENT_ROUTES = [r for r in FIRM_ROUTES if set(r[2]) & set(CLIENT_OWNED)]


def test_every_client_scoped_url_kwarg_is_known():
    """A new kwarg naming something of one client must join CLIENT_OWNED."""
    assert {"client_id", "subscription_id", "setup_id"} <= {
        k for _route, _name, kwargs in CLIENT_ROUTES for k in kwargs
    }
    assert len(CLIENT_ROUTES) >= 15


@pytest.fixture
def restricted_member(db):
    """A standard member restricted to assigned clients, with one assigned client
    and one of the same firm not assigned, each with one object of each kind."""
    from clients.models import ClientAssignment
    from practice.models import ClientAccess
    from tests.practice.factories import FirmFactory

    with scopes_disabled():
        firm = FirmFactory()
        owner = MembershipFactory(firm=firm, role="primary_admin")
        member = MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)
        assigned = ClientFactory(firm=firm, lead_accountant=owner)
        other = ClientFactory(firm=firm, lead_accountant=owner)
        ClientAssignment.objects.create(firm=firm, client=assigned, membership=member)
        objects = {
            name: {key: build(client) for key, build in CLIENT_OWNED.items()}
            for name, client in (("assigned", assigned), ("other", other))
        }
        # Pages of a member's clients (the team side) and of a client's firm team name
        # a member too: the restricted member, who is on the assigned client's team.
        for ids in objects.values():
            ids["membership_id"] = member.pk
    return firm, member, objects


def firm_member_id(objects) -> int:
    return objects["other"]["membership_id"]


@pytest.mark.django_db
def test_r31_a_restricted_member_gets_404_for_every_client_url_of_an_unassigned_client(
    client, restricted_member
):
    """Exactly like a missing object: 404, or for an admins-only page the same 403
    a missing id gets (admins reach every client, so a restricted member never
    gets past it)."""
    firm, member, objects = restricted_member
    client.force_login(member.user)
    missing_ids = {
        **dict.fromkeys(CLIENT_OWNED, 987654321),
        "membership_id": firm_member_id(objects),
    }
    leaks = []
    for route, name, kwargs in CLIENT_ROUTES:
        unassigned = _get_or_post(client, _url(name, firm, objects["other"], kwargs))
        missing = _get_or_post(client, _url(name, firm, missing_ids, kwargs))
        if missing.status_code not in (403, 404) or unassigned.status_code != missing.status_code:
            leaks.append((route, unassigned.status_code, missing.status_code))
    assert not leaks, leaks


@pytest.mark.django_db
def test_r31_a_restricted_member_reaches_the_client_urls_of_an_assigned_client(
    client, restricted_member
):
    """The same URLs for the assigned client do not answer 404: the test above
    can't pass because every URL would 404 anyway."""
    firm, member, objects = restricted_member
    client.force_login(member.user)
    reached = []
    for route, name, kwargs in CLIENT_ROUTES:
        response = _get_or_post(client, _url(name, firm, objects["assigned"], kwargs))
        if response.status_code != 404:
            reached.append(route)
    assert reached, "no client URL answered for the assigned client"
    # Admin-only pages answer 403 to a standard member, others answer; none is 404.
    missing = [r for r, _n, _k in CLIENT_ROUTES if r not in reached]
    assert not missing, missing
