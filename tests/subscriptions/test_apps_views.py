"""Apps for clients, pages: the client picker, "Get app" and its stop (R23), the
wizard's steps through real requests (with and without htmx), going back,
resuming, the import progress polling, and the R2 billing restriction."""

import html
import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from subscriptions.clientapps import selectors as app_selectors
from subscriptions.clientapps import time_accounts
from subscriptions.models import (
    AppSetup,
    ImportStatus,
    SetupStatus,
    SetupStep,
    TimeAccount,
    TimeProAccount,
)
from tests.clients.factories import ClientFactory
from tests.subscriptions.factories import app_setup_for, client_with_team

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _apps(firm):
    return reverse("subscriptions:apps", args=[firm.slug])


def _get_url(firm):
    return reverse("subscriptions:app_get", args=[firm.slug])


def _setup_url(setup):
    return reverse("subscriptions:app_setup", args=[setup.firm.slug, setup.pk])


def _pro(firm, by):
    with scope(firm=firm):
        return time_accounts.time_pro_account_register(
            firm=firm, account_name="Cabinet Pro", account_id="PRO-123456", by=by
        )


def test_apps_nav_entry_and_page(firm, standard_member, client_for):
    response = client_for(standard_member).get(_apps(firm))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="{_apps(firm)}"' in body  # the "Apps" navigation entry
    assert 'data-app="time"' in body and 'data-app="payroll"' in body


def test_the_client_picker_searches_with_a_limit(
    firm, standard_member, client_for, django_assert_max_num_queries
):
    """R13: the picker stays usable at 100,000 clients: a search with a LIMIT,
    never the whole list."""
    with scopes_disabled():
        for i in range(25):
            ClientFactory(firm=firm, display_name=f"Boulangerie {i:02d}")
        ClientFactory(firm=firm, display_name="Atelier Roux", client_number="R-77")
    c = client_for(standard_member)
    with django_assert_max_num_queries(8):
        response = c.get(_apps(firm), {"q": "boulangerie"}, HTTP_HX_TARGET="client-results", **HTMX)
    body = response.content.decode()
    assert body.count("data-client=") == 20
    assert "Only the first 20 matches" in body
    body = c.get(_apps(firm), {"q": "R-7"}).content.decode()
    assert 'data-client="Atelier Roux"' in body
    # No search, no list.
    assert "data-client=" not in c.get(_apps(firm)).content.decode()


def test_r23_get_app_for_a_client_without_team_stops_with_a_link(firm, standard_member, client_for):
    """R23: the page explains and links to the client's profile to add the team;
    no install form is offered and a forced POST installs nothing."""
    client = client_with_team(firm, members=0, name="Boulangerie Petit")
    c = client_for(standard_member)
    response = c.get(_get_url(firm), {"app": "time", "client": client.pk})
    body = response.content.decode()
    assert 'data-testid="setup-stop"' in body
    assert "Boulangerie Petit has no team members yet" in body
    assert reverse("clients:detail", args=[firm.slug, client.pk]) in body
    assert 'data-testid="install-form"' not in body
    response = c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "direct"})
    assert response.status_code == 400
    with scopes_disabled():
        assert not AppSetup.objects.exists()


def test_get_app_unknown_app_or_another_firms_client_is_404(
    firm, other_firm, standard_member, client_for
):
    c = client_for(standard_member)
    assert c.get(_get_url(firm), {"app": "essentials"}).status_code == 404
    foreign = client_with_team(other_firm)
    assert c.get(_get_url(firm), {"app": "time", "client": foreign.pk}).status_code == 404
    assert c.get(_apps(firm), {"client": foreign.pk}).status_code == 404


def test_r2_a_standard_member_sees_why_the_firm_cant_pay_and_is_refused(
    firm, standard_member, client_for
):
    client = client_with_team(firm)
    c = client_for(standard_member)
    body = html.unescape(
        c.get(_get_url(firm), {"app": "time", "client": client.pk}).content.decode()
    )
    assert "Only the firm's admins can choose billing that the firm pays." in body
    response = c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "wholesale"})
    assert response.status_code == 403
    with scopes_disabled():
        assert not AppSetup.objects.exists()
    response = c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "direct"})
    with scopes_disabled():
        setup = AppSetup.objects.get()
    assert response.status_code == 302 and response["Location"] == _setup_url(setup)


def _walk_to_admin(c, firm, client, htmx=False, capture=None):
    """Each step answers with the next panel (htmx) or a redirect to it."""
    extra = HTMX if htmx else {}
    moved_on = 200 if htmx else 302
    c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "direct"})
    with scopes_disabled():
        setup = AppSetup.objects.get(client=client)
    url = _setup_url(setup)
    r = c.post(url, {"step": "account", "mode": "new"}, **extra)
    assert r.status_code == moved_on, r.content.decode()[:2000]
    r = c.post(
        url,
        {
            "step": "payroll",
            "pay_period": "weekly",
            "period_start": "2025-01-06",
            "daily_overtime_hours": "8",
            "weekly_overtime_hours": "40",
            "overtime_multiplier": "1.5",
        },
        **extra,
    )
    assert r.status_code == moved_on, r.content.decode()[:2000]
    members = app_selectors.active_team(client)
    with capture(execute=True):
        r = c.post(
            url,
            {"step": "track", "track": ["employees"], "members": [m.pk for m in members]},
            **extra,
        )
    assert r.status_code == moved_on, r.content.decode()[:2000]
    return setup, r


def test_r24_the_wizard_steps_with_htmx_render_the_next_step(
    firm, admin_member, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    """R24 through the pages: each htmx step answers with the next step's panel
    and pushes its URL."""
    _pro(firm, admin_member)
    client = client_with_team(firm, members=2)
    c = client_for(admin_member)
    setup, response = _walk_to_admin(
        c, firm, client, htmx=True, capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == _setup_url(setup) + "?step=admin"
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="wizard"')
    assert 'data-testid="admin-form"' in body
    # The import is queued when the step answers; the panel polls its progress.
    assert 'data-status="queued"' in body and 'hx-trigger="every 1s"' in body
    with scopes_disabled():
        setup.refresh_from_db()
    assert setup.import_status == ImportStatus.DONE and setup.import_done == 2
    admin = app_selectors.active_team(client)[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            _setup_url(setup),
            {
                "step": "admin",
                "admin": admin.pk,
                "permissions": ["manage_team", "approve_time"],
                "accountants": [admin_member.pk],
            },
            **HTMX,
        )
    assert response.status_code == 200
    assert 'data-testid="setup-summary"' in response.content.decode()
    with scopes_disabled():
        setup.refresh_from_db()
        account = TimeAccount.objects.get(setup=setup)
    assert setup.status == SetupStatus.INVITED and setup.step == SetupStep.DONE
    assert account.admin == admin and account.admin_permissions == ["manage_team", "approve_time"]
    assert [m.to for m in mailoutbox] == [[admin.email]]


def test_a_refused_step_shows_its_errors_and_stays(firm, admin_member, client_for):
    _pro(firm, admin_member)
    client = client_with_team(firm)
    c = client_for(admin_member)
    c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "direct"})
    with scopes_disabled():
        setup = AppSetup.objects.get()
    response = c.post(
        _setup_url(setup), {"step": "account", "mode": "linked", "account_id": "TA-0000"}, **HTMX
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter the Time account ID as it appears" in body
    assert 'data-testid="account-form"' in body
    c.post(_setup_url(setup), {"step": "account", "mode": "new"})
    response = c.post(
        _setup_url(setup),
        {
            "step": "payroll",
            "pay_period": "weekly",
            "period_start": "2025-01-06",
            "daily_overtime_hours": "8",
            "weekly_overtime_hours": "40",
            "overtime_multiplier": "0.5",
        },
    )
    assert response.status_code == 400
    assert "enter a multiplier above 1" in response.content.decode()


def test_the_account_step_offers_admins_to_connect_the_pro_account(
    firm, admin_member, standard_member, client_for
):
    """The firm's Time pro account is registered once, at firm level, by an admin."""
    client = client_with_team(firm)
    c = client_for(standard_member)
    c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "direct"})
    with scopes_disabled():
        setup = AppSetup.objects.get()
    body = html.unescape(c.get(_setup_url(setup)).content.decode())
    assert "Only the firm's admins connect it" in body
    pro_url = reverse("subscriptions:time_pro_account", args=[firm.slug])
    assert c.post(pro_url, {"account_name": "X", "account_id": "PRO-123456"}).status_code == 403
    admin = client_for(admin_member)
    assert 'data-testid="pro-account-form"' in admin.get(_setup_url(setup)).content.decode()
    response = admin.post(
        pro_url, {"account_name": "Cabinet Pro", "account_id": "PRO-123456", "setup": setup.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == _setup_url(setup) + "?step=account"
    body = admin.get(pro_url).content.decode()
    assert "Connected: Cabinet Pro (PRO-123456)." in body
    response = admin.post(pro_url, {"account_name": "Again", "account_id": "PRO-654321"})
    assert response.status_code == 400
    with scopes_disabled():
        assert TimeProAccount.objects.count() == 1


def test_a_half_done_setup_resumes_and_earlier_steps_can_be_revisited(
    firm, admin_member, client_for
):
    """Each step is saved: the Apps page and the client's products tab offer to
    resume; the wizard opens at the furthest step; going back shows what was saved
    and saving it again does not lose the later steps."""
    _pro(firm, admin_member)
    client = client_with_team(firm, name="Boulangerie Petit")
    c = client_for(admin_member)
    c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "direct"})
    with scopes_disabled():
        setup = AppSetup.objects.get()
    c.post(_setup_url(setup), {"step": "account", "mode": "linked", "account_id": "TA-1234-5674"})
    c.post(
        _setup_url(setup),
        {"step": "payroll", "pay_period": "monthly", "period_start": "2025-02-01"},
    )
    # Later, from the Apps page.
    apps_page = c.get(_apps(firm)).content.decode()
    assert 'data-setup="Boulangerie Petit"' in apps_page and _setup_url(setup) in apps_page
    products = c.get(
        reverse("clients:detail", args=[firm.slug, client.pk]), {"tab": "products"}
    ).content.decode()
    assert 'data-testid="app-status-time"' in products and "Resume setup" in products
    body = c.get(_setup_url(setup)).content.decode()
    assert 'data-step="track"' in body
    # Back to the accounts step: the linked ID is there.
    body = c.get(_setup_url(setup), {"step": "account"}).content.decode()
    assert 'value="TA-1234-5674"' in body
    body = c.get(_setup_url(setup), {"step": "payroll"}, **HTMX).content.decode()
    assert re.search(r'value="monthly"[^>]*checked', body)
    response = c.post(
        _setup_url(setup),
        {"step": "payroll", "pay_period": "weekly", "period_start": "2025-02-03"},
    )
    assert response["Location"] == _setup_url(setup) + "?step=track"
    with scopes_disabled():
        setup.refresh_from_db()
    assert setup.step == SetupStep.TRACK and setup.data["payroll"]["pay_period"] == "weekly"
    # A step not reached yet can't be opened: the wizard shows the furthest one.
    assert 'data-step="track"' in c.get(_setup_url(setup), {"step": "admin"}).content.decode()


def test_import_progress_polls_until_done_then_stops_polling(firm, admin_member, client_for):
    setup = app_setup_for(firm)
    url = reverse("subscriptions:app_setup_import", args=[firm.slug, setup.pk])
    c = client_for(admin_member)
    with scopes_disabled():
        AppSetup.objects.filter(pk=setup.pk).update(
            import_status=ImportStatus.RUNNING, import_total=4, import_done=1
        )
    response = c.get(url, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "1 of 4" in body and 'value="25"' in body
    with scopes_disabled():
        AppSetup.objects.filter(pk=setup.pk).update(import_status=ImportStatus.DONE, import_done=4)
    response = c.get(url, **HTMX)
    assert response.status_code == 286  # django_htmx HttpResponseStopPolling
    body = response.content.decode()
    assert "hx-trigger" not in body and "4 team members imported" in body


def test_products_tab_and_billing_tab_show_the_app(firm, admin_member, client_for):
    _pro(firm, admin_member)
    client = client_with_team(firm)
    c = client_for(admin_member)
    c.post(_get_url(firm), {"app": "time", "client": client.pk, "payer": "wholesale"})
    with scopes_disabled():
        setup = AppSetup.objects.get()
    body = c.get(
        reverse("billing:client_subscriptions", args=[firm.slug, client.pk])
    ).content.decode()
    assert f'data-testid="app-state-{setup.subscription_id}"' in body
    assert "App: Setup in progress" in body


def test_period_start_is_shown_back_as_a_date(
    firm, admin_member, client_for, django_capture_on_commit_callbacks
):
    _pro(firm, admin_member)
    client = client_with_team(firm)
    c = client_for(admin_member)
    setup, _r = _walk_to_admin(c, firm, client, capture=django_capture_on_commit_callbacks)
    body = c.get(_setup_url(setup), {"step": "payroll"}).content.decode()
    assert 'value="2025-01-06"' in body


def test_setups_to_finish_never_show_done_as_the_next_step(firm, standard_member, client_for):
    from subscriptions.models import AppSetup, SetupStatus, SetupStep

    setup = app_setup_for(firm, client_with_team(firm, name="Atelier Roux"))
    with scopes_disabled():
        AppSetup.objects.filter(pk=setup.pk).update(step=SetupStep.DONE, status=SetupStatus.INVITED)
    page = html.unescape(client_for(standard_member).get(_apps(firm)).content.decode())
    row = re.search(r'data-setup="Atelier Roux">(.*?)</tr>', page, re.S).group(1)
    assert "Waiting for the client's admin to accept the invitation" in row
    assert ">Done<" not in row
