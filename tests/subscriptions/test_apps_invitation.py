"""The Time account admin's invitation (R24): the e-mail (text and HTML,
translated), its 14-day signed link, the public acceptance page (outside any
firm: the token is the only key), the firm's e-mail on acceptance, and the app
shown as active on the client's products tab and the accountant-billed tab."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from practice.signing import LinkError
from subscriptions.clientapps import install, invitations, payroll, time_accounts, tracking
from subscriptions.clientapps import selectors as app_selectors
from subscriptions.models import AppSetup, Billing, SetupStatus, TimeAccount
from tests.subscriptions.factories import client_with_team, product

pytestmark = pytest.mark.django_db

PAYROLL = {
    "pay_period": "weekly",
    "period_start": datetime.date(2025, 1, 6),
    "weekly_overtime_hours": "40",
    "overtime_multiplier": "1.5",
}


@pytest.fixture
def invited(firm, admin_member, standard_member, mailoutbox, django_capture_on_commit_callbacks):
    """A Time setup taken to the invitation, billed to the firm; returns
    (setup, account, link)."""
    client = client_with_team(firm, members=2, name="Boulangerie Petit")
    with scope(firm=firm):
        time_accounts.time_pro_account_register(
            firm=firm, account_name="Cabinet Pro", account_id="PRO-123456", by=admin_member
        )
        setup = install.app_install(
            firm=firm,
            client=client,
            product=product("time"),
            payer=Billing.WHOLESALE,
            by=admin_member,
        )
        time_accounts.time_account_connect(firm=firm, setup=setup, mode="new", by=admin_member)
        payroll.app_payroll_save(firm=firm, setup=setup, by=admin_member, **PAYROLL)
        tracking.app_tracking_save(
            firm=firm, setup=setup, track=["customers_jobs"], member_ids=[], by=admin_member
        )
        admin = app_selectors.active_team(client)[0]
        with django_capture_on_commit_callbacks(execute=True):
            account = invitations.time_admin_invite(
                firm=firm,
                setup=setup,
                admin_member_id=admin.pk,
                permissions=["manage_team"],
                accountants=[admin_member, standard_member],
                by=admin_member,
                language="en",
            )
    [message] = mailoutbox
    link = re.search(r"https?://\S+/apps/time/invitations/\S+/", message.body).group(0)
    mailoutbox.clear()
    return setup, account, link


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_r24_the_invitation_email_has_text_and_html_and_a_signed_link(
    firm,
    admin_member,
    standard_member,
    mailoutbox,
    django_capture_on_commit_callbacks,
    time_machine,
):
    # The link is signed with the time: the clock stands still, so the link signed
    # again below is the one the e-mail carries, whatever second the test ends in.
    time_machine.move_to(timezone.now(), tick=False)
    client = client_with_team(firm, name="Boulangerie Petit")
    with scope(firm=firm):
        time_accounts.time_pro_account_register(
            firm=firm, account_name="Cabinet Pro", account_id="PRO-123456", by=admin_member
        )
        setup = install.app_install(
            firm=firm, client=client, product=product("time"), payer="direct", by=standard_member
        )
        time_accounts.time_account_connect(firm=firm, setup=setup, mode="new", by=standard_member)
        payroll.app_payroll_save(firm=firm, setup=setup, by=standard_member, **PAYROLL)
        tracking.app_tracking_save(
            firm=firm, setup=setup, track=[], member_ids=[], by=standard_member
        )
        admin = app_selectors.active_team(client)[0]
        with django_capture_on_commit_callbacks(execute=True):
            account = invitations.time_admin_invite(
                firm=firm,
                setup=setup,
                admin_member_id=admin.pk,
                permissions=["manage_team", "approve_time"],
                accountants=[standard_member],
                by=standard_member,
                language="fr",
            )
    [message] = mailoutbox
    assert message.to == [admin.email]
    assert "Boulangerie Petit" in message.subject
    # Sent by the accountant to the invitee, and reads that way (issue 15, item 10).
    inviter = str(standard_member.user)
    assert message.subject.startswith(inviter)
    assert f"{inviter}, comptable du cabinet {firm.name}" in message.body
    assert f"Envoyé par {inviter}, {firm.name}." in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    link = app_selectors.time_invitation_url(account)
    assert link in message.body and link in html
    assert account.account_id in message.body
    with scopes_disabled():
        setup.refresh_from_db()
    assert setup.status == SetupStatus.INVITED


def test_the_invitation_email_is_translated(firm, invited, mailoutbox, settings):
    """The e-mail is rendered in the language it is sent in (French ships)."""
    from subscriptions.clientapps.tasks import time_invitation_email

    _setup, account, _link = invited
    time_invitation_email(firm.pk, account.pk, "fr")
    [message] = mailoutbox
    english = "Accept the invitation"
    assert english not in message.alternatives[0][0]


def test_r24_the_invitation_link_expires_after_14_days(client, invited, travel):
    _setup, account, link = invited
    with travel(days=13):  # still valid
        assert client.get(_path(link)).status_code == 200
    with travel(days=14, seconds=1):  # expired, and accepting is refused
        response = client.get(_path(link))
        assert response.status_code == 410
        assert "This invitation has expired" in response.content.decode()
        assert client.post(_path(link)).status_code == 410
    with scopes_disabled():
        assert TimeAccount.objects.get(pk=account.pk).accepted_at is None


def test_the_expiry_is_checked_on_the_record_too(invited, monkeypatch):
    """Even a link whose signature is fresh stops at 14 days after sending."""
    _setup, account, link = invited
    with scopes_disabled():
        TimeAccount.objects.filter(pk=account.pk).update(
            invitation_sent_at=timezone.now() - datetime.timedelta(days=14, seconds=1)
        )
    token = link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(LinkError, match="expired"):
        app_selectors.time_invitation_from_token(token)


def test_r24_accepting_emails_the_firm_and_activates_the_app(
    firm,
    client,
    invited,
    admin_member,
    standard_member,
    mailoutbox,
    client_for,
    django_capture_on_commit_callbacks,
):
    """R24: the invited admin accepts, creating their account with the invited
    address (15.10: never anonymously); the firm is e-mailed; the app shows as
    active on the client's products tab and on the accountant-billed subscriptions
    tab (the firm pays)."""
    setup, account, link = invited
    page = client.get(_path(link))
    assert page.status_code == 200
    assert "Boulangerie Petit" in page.content.decode()
    assert 'data-testid="signup-form"' in page.content.decode()
    assert 'data-testid="time-accept-form"' not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _path(link),
            {
                "full_name": "Admin Petit",
                "password1": "A-long-pass-2026!",
                "password2": "A-long-pass-2026!",
            },
        )
    assert response.status_code == 200
    assert 'data-testid="time-invitation-accepted"' in response.content.decode()
    with scopes_disabled():
        setup.refresh_from_db()
        account.refresh_from_db()
    assert setup.status == SetupStatus.ACTIVE and account.accepted_at is not None
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([admin_member.user.email, standard_member.user.email])
    message = mailoutbox[0]
    assert "Boulangerie Petit" in message.subject and message.alternatives
    # Products tab.
    c = client_for(admin_member)
    products = c.get(
        reverse("clients:detail", args=[firm.slug, setup.client_id]), {"tab": "products"}
    ).content.decode()
    assert re.search(r'data-testid="app-status-time">Active<', products)
    # Accountant-billed subscriptions tab (the firm pays Time).
    billing = c.get(
        reverse("billing:client_subscriptions", args=[firm.slug, setup.client_id])
    ).content.decode()
    assert f'data-testid="app-state-{setup.subscription_id}">App: Active<' in billing
    # The link can't be used twice.
    again = client.post(_path(link))
    assert again.status_code == 410
    assert "already been accepted" in again.content.decode()


def test_the_acceptance_page_needs_no_firm_and_refuses_bad_tokens(client, invited, user):
    setup, account, link = invited
    tampered = _path(link).rstrip("/") + "x/"
    for bad in ("/apps/time/invitations/not-a-token/", tampered):
        refused = client.get(bad)
        assert refused.status_code == 410, bad
        assert "Boulangerie Petit" not in refused.content.decode(), bad
    # Signed in as somebody else: refused (15.10), nothing accepted, no firm shown.
    client.force_login(user)
    for response in (client.get(_path(link)), client.post(_path(link))):
        assert response.status_code == 403
        body = response.content.decode()
        assert 'data-testid="time-accept-form"' not in body
        assert 'data-testid="firm-switcher"' not in body
    with scopes_disabled():
        assert TimeAccount.objects.get(pk=account.pk).accepted_at is None
    # The service refuses too, whatever calls it.
    token = _path(link).rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(LinkError, match="another person"):
        invitations.time_invitation_accept(token=token, user=user)


def test_the_invited_admin_signed_in_accepts(client, invited):
    """An admin who already has an account signs in with the invited address and accepts."""
    from practice.models import User

    _setup, account, link = invited
    with scopes_disabled():
        email = account.admin.email
    person = User.objects.create_user(email=email.upper(), password="x-Pass-2026!", full_name="A")
    anonymous = client.get(_path(link)).content.decode()
    assert 'data-testid="sign-in-to-accept"' in anonymous
    client.force_login(person)
    assert client.post(_path(link)).status_code == 200
    with scopes_disabled():
        assert TimeAccount.objects.get(pk=account.pk).accepted_at is not None


def test_sending_again_replaces_the_earlier_link(
    firm, client, invited, admin_member, mailoutbox, django_capture_on_commit_callbacks
):
    setup, account, old_link = invited
    with scope(firm=firm), django_capture_on_commit_callbacks(execute=True):
        invitations.time_admin_invite(
            firm=firm,
            setup=AppSetup.objects.get(pk=setup.pk),
            admin_member_id=account.admin_id,
            permissions=["manage_team"],
            accountants=[admin_member],
            by=admin_member,
        )
    assert len(mailoutbox) == 1
    response = client.get(_path(old_link))
    assert response.status_code == 410
    assert "no longer valid" in response.content.decode()
    new_link = re.search(r"https?://\S+/apps/time/invitations/\S+/", mailoutbox[0].body).group(0)
    assert client.get(_path(new_link)).status_code == 200
