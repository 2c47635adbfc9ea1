"""No input makes a page fail, checked over the whole URLconf (not hand-picked
forms): every firm page, as its primary admin with the firm's own objects, is
requested with hostile query strings, then each form it shows is posted back
with every field set to each hostile value in turn (and with every field given
twice). Nothing may answer 500: a bad value gets the page's own message.

The Django test client raises a view's exception instead of answering 500, so a
failure here names the exception and where it was raised."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django_scopes import scopes_disabled

from tests.practice.factories import MembershipFactory
from tests.test_isolation import FIRM_ROUTES, NON_FIRM_URLS, OBJECT_IN_FIRM, all_routes

HOSTILE = [
    "\x00",
    "x" * 5000,
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "9999-12-31",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%_\\",
    "\u202e\U0001f600é",
    " ",
]
# Query parameters the firm pages read (list filters, paging, tabs, periods).
QUERY_KEYS = [
    "q",
    "sort",
    "after",
    "before",
    "last",
    "lead",
    "type",
    "inactive",
    "ids",
    "page",
    "tab",
    "period",
    "month",
    "year",
    "next",
    "status",
    "kind",
    "client",
    "member",
    "outcome",
]


# What htmx sends about the page a request comes from, forged.
HTMX_HEADERS = ["HTTP_HX_CURRENT_URL", "HTTP_HX_TARGET", "HTTP_HX_TRIGGER", "HTTP_HX_TRIGGER_NAME"]


def _htmx(value: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", **dict.fromkeys(HTMX_HEADERS, value)}


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the names of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._current: tuple[str, set[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = (attrs.get("action") or attrs.get("hx-post") or "", set())
            self.forms.append(self._current)
        elif (
            tag in ("input", "select", "textarea", "button")
            and attrs.get("name") not in (None, "csrfmiddlewaretoken")
            and self._current is not None
        ):
            self._current[1].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _forms(html: str, page_url: str) -> list[tuple[str, set[str]]]:
    parser = _Forms()
    parser.feed(html)
    own_site = [(action or page_url, names) for action, names in parser.forms]
    return [(action, names) for action, names in own_site if action.startswith("/") and names]


@pytest.fixture
def own_firm(db):
    from tests.practice.factories import FirmFactory

    with scopes_disabled():
        firm = FirmFactory()
        owner = MembershipFactory(firm=firm, role="primary_admin")
        objects = {key: build(firm, owner) for key, build in OBJECT_IN_FIRM.items()}
    return firm, owner, objects


def _assert_answers(response, what):
    assert response.status_code < 500, (what, response.status_code)


def _hostile_requests(client, url):
    """Each hostile value in every query parameter, then in every field of each of
    the page's forms (without htmx, then with it and its headers forged the same
    way), then everything given twice."""
    for value in HOSTILE:
        _assert_answers(client.get(url, dict.fromkeys(QUERY_KEYS, value)), (url, "GET", value))
    for value in [*HOSTILE, "http://[", "https://elsewhere.example/"]:
        _assert_answers(client.get(url, **_htmx(value)), (url, "GET", "htmx", value))
    for value in [*HOSTILE, "fr;q=abc, en-GB;q=", "*;q=0", "zz-ZZ-x-private"]:
        # As a WSGI server hands headers over: their bytes read as latin-1.
        value = value.encode().decode("latin-1")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = value
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=value)
        _assert_answers(response, (url, "GET", "language", value))
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    repeated = "&".join(f"{key}=1&{key}=2" for key in QUERY_KEYS)
    _assert_answers(client.get(f"{url}?{repeated}"), (url, "GET", "repeated"))
    for method in ("head", "options", "put", "patch", "delete", "trace"):
        _assert_answers(getattr(client, method)(url), (url, method.upper()))
    page = client.get(url)
    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
        return
    for action, fields in _forms(page.content.decode(), url):
        for value in HOSTILE:
            data = dict.fromkeys(fields, value)
            for htmx in ({}, _htmx(value), _htmx("http://[")):
                _assert_answers(client.post(action, data, **htmx), (action, sorted(fields), value))
        twice = {field: ["1", "2"] for field in fields}
        _assert_answers(client.post(action, twice), (action, sorted(fields), "twice"))


# Pages outside the firms whose address needs nothing but their name (the sign-out
# is left out: it would end the session the others are requested in).
OPEN_NAMES = sorted(
    name
    for _route, name, kwargs in all_routes()
    if name in NON_FIRM_URLS and not kwargs and name not in ("logout", "account_logout")
)


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed_in"])
@pytest.mark.parametrize("name", OPEN_NAMES)
def test_no_query_string_or_form_value_makes_a_page_outside_the_firms_fail(
    client, own_firm, name, signed_in
):
    _firm, owner, _objects = own_firm
    if signed_in:
        client.force_login(owner.user)
    _hostile_requests(client, reverse(name))


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwargs"), FIRM_ROUTES, ids=[r[1] for r in FIRM_ROUTES])
def test_no_query_string_or_form_value_makes_a_firm_page_fail(
    client, own_firm, route, name, kwargs
):
    firm, owner, objects = own_firm
    client.force_login(owner.user)
    values = {"firm_slug": firm.slug, **{k: objects[k] for k in kwargs if k != "firm_slug"}}
    url = reverse(name, kwargs=values)
    _hostile_requests(client, url)


PORTAL_ROUTES = [r for r in all_routes() if "company_pk" in r[2]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "name", "kwargs"), PORTAL_ROUTES, ids=[r[1] for r in PORTAL_ROUTES]
)
def test_no_query_string_or_form_value_makes_a_portal_page_fail(client, route, name, kwargs):
    """The client portal, as its company's admin, with the company's own objects."""
    from clients.models import AccountantInvitation
    from tests.clients.factories import CompanyMemberFactory, connect, portal_user
    from tests.practice.factories import FirmFactory

    with scopes_disabled():
        admin = portal_user()
        company = admin.company
        connect(company, FirmFactory())
        objects = {
            "member_id": CompanyMemberFactory(company=company).pk,
            "accountant_invitation_id": AccountantInvitation.objects.create(
                company=company, email="cpa@example.test", invited_by=admin.user
            ).pk,
        }
    client.force_login(admin.user)
    values = {"company_pk": company.pk, **{k: objects[k] for k in kwargs if k != "company_pk"}}
    _hostile_requests(client, reverse(name, kwargs=values))


OBJECT_ROUTES = [r for r in FIRM_ROUTES if set(r[2]) - {"firm_slug"}]
SENTINEL = 987654321987


@pytest.mark.django_db
@pytest.mark.parametrize("key", [2**31, 2**63, 10**30], ids=["past_int", "past_bigint", "huge"])
@pytest.mark.parametrize(
    ("route", "name", "kwargs"), OBJECT_ROUTES, ids=[r[1] for r in OBJECT_ROUTES]
)
def test_an_id_past_any_table_answers_404_like_a_missing_one(
    client, own_firm, route, name, kwargs, key
):
    firm, owner, _objects = own_firm
    client.force_login(owner.user)
    values = {"firm_slug": firm.slug, **{k: SENTINEL for k in kwargs if k != "firm_slug"}}
    # Written into the address by hand: reverse() refuses what no pattern matches.
    url = reverse(name, kwargs=values).replace(str(SENTINEL), str(key))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), (url, method, response.status_code)


KEYED_OUTSIDE = [
    r for r in all_routes() if r[2] and "firm_slug" not in r[2] and r[1] in NON_FIRM_URLS
]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed_in"])
@pytest.mark.parametrize(
    ("route", "name", "kwargs"), KEYED_OUTSIDE, ids=[r[1] for r in KEYED_OUTSIDE]
)
def test_a_forged_link_outside_the_firms_never_fails(
    client, own_firm, route, name, kwargs, signed_in
):
    """Invitation, sign-up and reset links, the portal's addresses: each key
    forged (a word, a long one, accents, quotes, ids past any table)."""
    from django.urls import NoReverseMatch

    _firm, owner, _objects = own_firm
    if signed_in:
        client.force_login(owner.user)
    tried = 0
    for value in ["0", "x" * 3000, "é\u202e", "' OR 1=1 --", "a.b-c_d", 2**63, 10**30]:
        try:
            url = reverse(name, kwargs=dict.fromkeys(kwargs, value))
        except NoReverseMatch:
            if not isinstance(value, int):
                continue  # the address cannot even hold it
            # A number past the pattern's own: written into the address by hand.
            url = reverse(name, kwargs=dict.fromkeys(kwargs, SENTINEL))
            url = url.replace(str(SENTINEL), str(value))
        tried += 1
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (url, method, response.status_code)
    assert tried
