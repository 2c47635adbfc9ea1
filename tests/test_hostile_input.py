"""No input makes a page fail, checked over the whole URLconf (not hand-picked
forms): every firm page, as its primary admin with the firm's own objects, is
requested with hostile query strings, headers and methods, then each form it
shows is posted back with every field set to each hostile value in turn, with
every field given twice, and with one field forged at a time while the others
keep the values the page fills them with. The portal and the pages outside the
firms likewise. Nothing may answer 500: a bad value gets the page's own message.

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
    "9" * 5000,
    "[" * 100_000,
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
# What one field gets while the others keep the page's own values.
ONE_FIELD = ["\x00", "9" * 5000, "99999999999999999999999", "-1", "x" * 5000, "2026-02-30"]
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


class _Form:
    """A POST form of a page: where it posts, its fields, and what the page fills
    them with (a text box's value, a ticked box, a list's chosen option)."""

    def __init__(self, action: str):
        self.action = action
        self.fields: set[str] = set()
        self.defaults: dict[str, list[str]] = {}

    def add(self, name: str, value: str | None) -> None:
        self.fields.add(name)
        if value is not None:
            self.defaults.setdefault(name, []).append(value)


class _Forms(HTMLParser):
    """The POST forms of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[_Form] = []
        self.by_id: dict[str, _Form] = {}
        # Fields outside their form, tied to it by form="its id" (the list's row
        # boxes and the bulk actions' form), placed once the page is read.
        self.outside: list[tuple[str, str, dict]] = []
        self._form: _Form | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            if (attrs.get("method") or "get").lower() != "post":
                return
            self._form = _Form(attrs.get("action") or attrs.get("hx-post") or "")
            self.forms.append(self._form)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self._form
        elif attrs.get("form") and name and tag != "option":
            self.outside.append((tag, attrs["form"], attrs))
        elif self._form is None or (tag != "option" and name in (None, "csrfmiddlewaretoken")):
            return
        else:
            self._field(self._form, tag, attrs)

    def place_outside(self) -> None:
        for tag, form_id, attrs in self.outside:
            if form_id in self.by_id:
                self._field(self.by_id[form_id], tag, attrs)

    def _field(self, form: _Form, tag: str, attrs: dict) -> None:
        name = attrs.get("name")
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                form.add(name, attrs.get("value", "on") if "checked" in attrs else None)
            elif kind in ("submit", "button", "image", "file"):
                form.add(name, None)
            else:
                form.add(name, attrs.get("value") or "")
        elif tag in ("textarea", "button"):
            form.add(name, None)
        elif tag == "select":
            self._select, self._first_option = name, None
            form.add(name, None)
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                form.add(self._select, value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            if self._select not in self._form.defaults and self._first_option is not None:
                self._form.add(self._select, self._first_option)
            self._select = None


def _forms(html: str, page_url: str) -> list[_Form]:
    parser = _Forms()
    parser.feed(html)
    parser.place_outside()
    for form in parser.forms:
        form.action = form.action or page_url
    return [form for form in parser.forms if form.action.startswith("/") and form.fields]


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
    """Each hostile value in every query parameter; every method; then each form
    of the page posted with all its fields forged alike (without htmx, then with
    it and its headers forged the same way), with everything given twice, and
    with one field forged at a time while the others keep the page's values."""
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
    for form in _forms(page.content.decode(), url):
        action, fields = form.action, form.fields
        for value in HOSTILE:
            data = dict.fromkeys(fields, value)
            for htmx in ({}, _htmx(value), _htmx("http://[")):
                _assert_answers(client.post(action, data, **htmx), (action, sorted(fields), value))
        twice = {field: ["1", "2"] for field in fields}
        _assert_answers(client.post(action, twice), (action, sorted(fields), "twice"))
        # One field forged at a time, the others as the page fills them, so that
        # what runs once the form is valid gets the forged value too.
        for field in sorted(fields):
            for value in ONE_FIELD:
                data = {**form.defaults, field: value}
                _assert_answers(client.post(action, data), (action, field, value, "alone"))


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
        # A portal address holding a company id past any key is no page at all.
        expected = {404} if "company_pk" in kwargs and isinstance(value, int) else None
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (url, method, response.status_code)
            if expected:
                assert response.status_code in expected, (url, method, response.status_code)
    assert tried
