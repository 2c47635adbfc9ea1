"""Every htmx form renders its errors in place (issue 15, item 2): posted with htmx
and invalid data, each answers a status the page swaps (400 or 409, see the
htmx-config in base.html) with the fragment of its target, never a whole page."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.models import ClientAssignment
from tests.subscriptions.factories import app_setup_for, client_with_team, ensure_catalogue

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
HTMX = {"HTTP_HX_REQUEST": "true"}
# The url names of every hx-post in the templates, each exercised below.
COVERED = {
    "clients:columns",
    "clients:edit",
    "member_clients_remove",
    "member_clients_add",
    "clients:firm_team_end",
    "clients:firm_team_remove",
    "clients:firm_team_add",
    "subscriptions:usage",
    "subscriptions:app_setup",
}


def _swapped_statuses() -> set[int]:
    base = (TEMPLATES / "base.html").read_text()
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", base).group(1))
    return {
        int(code)
        for rule in config["responseHandling"]
        if rule["swap"] and not rule.get("error")
        for code in re.findall(r"\d{3}", rule["code"].replace("40[09]", "400 409"))
    }


def test_every_hx_post_form_is_covered():
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        if "account" in path.parts:
            continue
        for match in re.finditer(r"hx-post=\"\{% url '([^']+)'", path.read_text()):
            found.add(match.group(1))
    assert found <= COVERED, f"hx-post forms without an errors-in-place check: {found - COVERED}"


def _in_place(response, starts_with):
    assert response.status_code in _swapped_statuses() | {200}, response.status_code
    body = response.content.decode()
    assert "<html" not in body and "<body" not in body
    assert body.lstrip().startswith(starts_with), body[:200]
    return body


@pytest.mark.django_db
def test_invalid_htmx_posts_answer_their_fragment_with_the_errors(
    client_for, firm, primary_admin, admin_member, make_client
):
    ensure_catalogue()
    web = client_for(primary_admin)
    acme = make_client(display_name="Acme")
    slug = firm.slug

    edit = reverse("clients:edit", args=[slug, acme.pk])
    body = _in_place(
        web.post(
            edit,
            {f"row{acme.pk}-display_name": "", f"row{acme.pk}-version": "1"},
            HTTP_HX_TARGET=f"client-row-{acme.pk}",
            **HTMX,
        ),
        f'<tr id="client-row-{acme.pk}"',
    )
    assert "invalid-feedback" in body

    team_add = reverse("clients:firm_team_add", args=[slug, acme.pk])
    body = _in_place(
        web.post(team_add, {"membership": "999999"}, HTTP_HX_TARGET="client-tab", **HTMX),
        '<div id="client-tab">',
    )
    assert "invalid-feedback" in body

    team_end = reverse("clients:firm_team_end", args=[slug, acme.pk, admin_member.pk])
    with scopes_disabled():
        ClientAssignment.objects.create(firm=firm, client=acme, membership=admin_member)
    response = web.post(team_end, {"ends_on": "not a date"}, HTTP_HX_TARGET="client-tab", **HTMX)
    body = _in_place(response, '<div id="client-tab">')
    assert response.status_code == 400 and "invalid-feedback" in body
    team_remove = reverse("clients:firm_team_remove", args=[slug, acme.pk, admin_member.pk])
    _in_place(web.post(team_remove, HTTP_HX_TARGET="client-tab", **HTMX), '<div id="client-tab">')

    add = reverse("member_clients_add", args=[slug, admin_member.pk])
    response = web.post(add, {}, HTTP_HX_TARGET="member-access", **HTMX)
    body = _in_place(response, "<")
    assert response.status_code == 400 and "Select at least one client." in body
    remove = reverse("member_clients_remove", args=[slug, admin_member.pk, acme.pk])
    _in_place(web.post(remove, HTTP_HX_TARGET="member-access", **HTMX), "<")

    columns = reverse("clients:columns", args=[slug])
    _in_place(web.post(columns, {"order": ["name"], "shown": ["name"]}, **HTMX), "<div")

    usage = reverse("subscriptions:usage", args=[slug, acme.pk])
    body = _in_place(
        web.post(usage, {"users": "0"}, HTTP_HX_TARGET=f"client-products-{acme.pk}", **HTMX),
        f'<div id="client-products-{acme.pk}"',
    )
    assert "invalid-feedback" in body

    setup = app_setup_for(firm, client_with_team(firm, members=1), code="payroll")
    wizard = reverse("subscriptions:app_setup", args=[slug, setup.pk])
    body = _in_place(
        web.post(wizard, {"step": "payroll", "pay_period": "biweekly"}, **HTMX),
        '<div id="wizard"',
    )
    assert "invalid-feedback" in body
