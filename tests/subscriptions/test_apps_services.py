"""Apps for clients, service level: install with a billing type (R20, R24), the
team-members precondition (R23), accounts, payroll settings, what to track and
the background import, the account admin and the two-accountant limit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from billing import services as billing_services
from clients.models import CompanyMember
from practice.models import ActivityEvent
from practice.validators import luhn_valid
from subscriptions.clientapps import install, invitations, payroll, time_accounts, tracking
from subscriptions.clientapps import selectors as app_selectors
from subscriptions.models import (
    AppSetup,
    Billing,
    ChargePeriod,
    ImportStatus,
    SetupStatus,
    SetupStep,
    Subscription,
    TimeAccount,
    TimeEmployee,
    TimeProAccount,
)
from tests.clients.factories import ClientFactory
from tests.practice.factories import MembershipFactory
from tests.subscriptions.factories import client_with_team, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def time_app(db):
    return product("time")


@pytest.fixture
def pro_account(firm, admin_member, in_firm):
    return time_accounts.time_pro_account_register(
        firm=firm, account_name="Cabinet Durand Pro", account_id="PRO-123456", by=admin_member
    )


def _install(firm, client, by, payer=Billing.DIRECT, code="time"):
    return install.app_install(firm=firm, client=client, product=product(code), payer=payer, by=by)


def _through_account(firm, client, by, mode="new", account_id=""):
    setup = _install(firm, client, by)
    time_accounts.time_account_connect(
        firm=firm, setup=setup, mode=mode, account_id=account_id, by=by
    )
    return setup


PAYROLL = {
    "pay_period": "biweekly",
    "period_start": datetime.date(2025, 1, 6),
    "daily_overtime_hours": Decimal("8"),
    "weekly_overtime_hours": Decimal("40"),
    "overtime_multiplier": Decimal("1.5"),
}


def _through_payroll(firm, client, by):
    setup = _through_account(firm, client, by)
    payroll.app_payroll_save(firm=firm, setup=setup, by=by, **PAYROLL)
    return setup


# R23 --------------------------------------------------------------------------


def test_r23_a_client_without_team_members_stops_the_setup(firm, admin_member, in_firm, time_app):
    """R23: no (active) team members: the flow says so, links to the client, and
    nothing is installed."""
    client = client_with_team(firm, members=0)
    blockers = install.app_blockers(firm=firm, client=client, product=time_app)
    assert len(blockers) == 1
    assert "has no team members yet" in blockers[0].message
    assert blockers[0].url.startswith(f"/f/{firm.slug}/clients/{client.pk}/")
    with pytest.raises(ValidationError, match="no team members yet"):
        _install(firm, client, admin_member)
    assert not Subscription.objects.filter(client=client, product=time_app).exists()
    assert not AppSetup.objects.filter(client=client).exists()


def test_r23_inactive_members_and_old_clients_without_company_count_as_no_team(
    firm, admin_member, in_firm, time_app
):
    client = client_with_team(firm, members=1)
    with scopes_disabled():
        CompanyMember.objects.filter(company=client.company_account).update(is_active=False)
    assert install.app_blockers(firm=firm, client=client, product=time_app)
    with scopes_disabled():
        old = ClientFactory(firm=firm)  # no company account
    assert old.company_account_id is None
    assert any(
        "no team members" in b.message
        for b in install.app_blockers(firm=firm, client=old, product=time_app)
    )


def test_an_add_on_needs_an_active_plan_first(firm, admin_member, in_firm, time_app):
    client = client_with_team(firm, plan="")
    [blocker] = install.app_blockers(firm=firm, client=client, product=time_app)
    assert "needs a subscription to a plan first" in blocker.message
    assert blocker.url.endswith("?tab=products")


# Get app: install with a billing type (R20, R24) -------------------------------


def test_r24_r20_get_app_billed_to_the_client_adds_a_split_billing_add_on(
    firm, standard_member, in_firm
):
    """R24 "Get app" with the client paying (R20 split billing): a standard member
    may do it; the add-on is the client's, the plan stays the firm's."""
    client = client_with_team(firm)
    setup = _install(firm, client, standard_member, payer=Billing.DIRECT)
    addon = setup.subscription
    assert addon.product.code == "time" and addon.parent.billing == Billing.WHOLESALE
    assert addon.billing == Billing.DIRECT
    assert setup.step == SetupStep.ACCOUNT and setup.status == SetupStatus.IN_PROGRESS
    assert ActivityEvent.objects.filter(verb="app.installed", target_id=setup.pk).exists()


def test_r2_only_admins_choose_billing_that_the_firm_pays(
    firm, standard_member, admin_member, in_firm
):
    client = client_with_team(firm)
    with pytest.raises(PermissionDenied, match="Only the firm's admins"):
        _install(firm, client, standard_member, payer=Billing.WHOLESALE)
    setup = _install(firm, client, admin_member, payer=Billing.WHOLESALE)
    assert setup.subscription.billing == Billing.WHOLESALE


def test_r20_a_client_paying_its_plan_pays_the_app_too(firm, admin_member, in_firm):
    client = client_with_team(firm, billing=Billing.DIRECT)
    with pytest.raises(ValidationError, match="pays its add-ons too"):
        _install(firm, client, admin_member, payer=Billing.WHOLESALE)


def test_get_app_again_returns_the_setup_to_resume(firm, admin_member, in_firm):
    client = client_with_team(firm)
    first = _install(firm, client, admin_member)
    again = _install(firm, client, admin_member, payer=Billing.WHOLESALE)
    assert again.pk == first.pk
    assert Subscription.objects.filter(client=client, product__code="time").count() == 1


def test_r20_statements_carry_the_time_add_on_only_when_the_firm_pays(
    firm, admin_member, in_firm, today_is
):
    """R20: the firm's statement carries what the firm pays: the plans, and Time
    only where the firm chose to pay it."""
    today_is(datetime.date(2025, 3, 1))
    firm_pays = client_with_team(firm, name="Boulangerie Petit")
    client_pays = client_with_team(firm, name="Atelier Roux")
    with scopes_disabled():
        Subscription.objects.update(start_date=datetime.date(2025, 3, 1))
        ChargePeriod.objects.update(starts_on=datetime.date(2025, 3, 1))
    _install(firm, firm_pays, admin_member, payer=Billing.WHOLESALE)
    _install(firm, client_pays, admin_member, payer=Billing.DIRECT)
    today_is(datetime.date(2025, 4, 1))
    statement = billing_services.statement_generate(firm=firm, year=2025, month=3)
    lines = {(line.client_name, line.product_label) for line in statement.lines.all()}
    assert ("Boulangerie Petit", "Time") in lines
    assert ("Atelier Roux", "Time") not in lines
    assert ("Atelier Roux", "Essentials") in lines
    time_line = statement.lines.get(client_name="Boulangerie Petit", product_label="Time")
    assert time_line.net_amount == Decimal("7.00")  # 10.00 EUR list, 30 % wholesale


# Accounts ----------------------------------------------------------------------


def test_the_firm_registers_its_time_pro_account_once(firm, admin_member, in_firm):
    account = time_accounts.time_pro_account_register(
        firm=firm, account_name="Cabinet Pro", account_id="pro-654321", by=admin_member
    )
    assert account.account_id == "PRO-654321"
    with pytest.raises(ValidationError, match="already connected"):
        time_accounts.time_pro_account_register(
            firm=firm, account_name="Another", account_id="PRO-111111", by=admin_member
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeProAccount.objects.create(firm=firm, account_name="x", account_id="PRO-222222")


def test_the_pro_account_id_is_validated_and_only_admins_register_it(
    firm, admin_member, standard_member, in_firm
):
    with pytest.raises(ValidationError) as exc:
        time_accounts.time_pro_account_register(
            firm=firm, account_name="", account_id="12345", by=admin_member
        )
    assert set(exc.value.error_dict) == {"account_name", "account_id"}
    with pytest.raises(PermissionDenied):
        time_accounts.time_pro_account_register(
            firm=firm, account_name="Pro", account_id="PRO-123456", by=standard_member
        )


def test_the_client_account_needs_the_firm_pro_account_first(firm, admin_member, in_firm):
    setup = _install(firm, client_with_team(firm), admin_member)
    with pytest.raises(ValidationError, match="pro account first"):
        time_accounts.time_account_connect(firm=firm, setup=setup, mode="new", by=admin_member)


def test_a_new_time_account_gets_a_valid_generated_id(firm, admin_member, pro_account):
    client = client_with_team(firm)
    setup = _through_account(firm, client, admin_member)
    account = TimeAccount.objects.get(setup=setup)
    assert time_accounts.time_account_id_is_valid(account.account_id)
    assert account.origin == "new" and account.pro_account == pro_account
    setup.refresh_from_db()
    assert setup.step == SetupStep.PAYROLL
    assert setup.data["account"] == {"mode": "new", "account_id": account.account_id}
    # Saving the step again keeps the account created for the client.
    time_accounts.time_account_connect(firm=firm, setup=setup, mode="new", by=admin_member)
    assert TimeAccount.objects.get(setup=setup).account_id == account.account_id


@pytest.mark.parametrize(
    "bad", ["", "TA-1234", "TA-1234-567X", "XX-1234-5674", "TA-1234-5670", "TA 1234 56741"]
)
def test_linking_an_existing_account_validates_its_id(firm, admin_member, pro_account, bad):
    setup = _install(firm, client_with_team(firm), admin_member)
    with pytest.raises(ValidationError) as exc:
        time_accounts.time_account_connect(
            firm=firm, setup=setup, mode="linked", account_id=bad, by=admin_member
        )
    assert "account_id" in exc.value.error_dict
    assert not TimeAccount.objects.filter(setup=setup).exists()


def test_linking_an_existing_account_by_a_valid_id(firm, admin_member, pro_account):
    setup = _through_account(
        firm, client_with_team(firm), admin_member, mode="linked", account_id=" ta-1234-5674 "
    )
    account = TimeAccount.objects.get(setup=setup)
    assert (account.account_id, account.origin) == ("TA-1234-5674", "linked")


def test_one_time_account_is_never_linked_to_two_clients(firm, admin_member, pro_account):
    first = client_with_team(firm, name="Boulangerie Petit")
    second = client_with_team(firm, name="Atelier Roux")
    _through_account(firm, first, admin_member, mode="linked", account_id="TA-1234-5674")
    setup = _install(firm, second, admin_member)
    with pytest.raises(ValidationError, match="already linked to Boulangerie Petit"):
        time_accounts.time_account_connect(
            firm=firm, setup=setup, mode="linked", account_id="TA-1234-5674", by=admin_member
        )
    # The database refuses it too, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeAccount.objects.create(
            firm=firm, client=second, setup=setup, account_id="TA-1234-5674", origin="linked"
        )


# Payroll settings -----------------------------------------------------------


def test_payroll_settings_are_saved_with_exact_decimals(firm, admin_member, pro_account):
    setup = _through_payroll(firm, client_with_team(firm), admin_member)
    setup.refresh_from_db()
    assert setup.step == SetupStep.TRACK
    assert setup.data["payroll"] == {
        "pay_period": "biweekly",
        "period_start": "2025-01-06",
        "daily_overtime_hours": "8",
        "weekly_overtime_hours": "40",
        "overtime_multiplier": "1.5",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pay_period": "yearly"}, "pay_period"),
        ({"period_start": None}, "period_start"),
        (
            {"pay_period": "semimonthly", "period_start": datetime.date(2025, 1, 6)},
            "period_start",
        ),
        ({"daily_overtime_hours": Decimal("0")}, "daily_overtime_hours"),
        ({"daily_overtime_hours": Decimal("25")}, "daily_overtime_hours"),
        ({"weekly_overtime_hours": Decimal("169")}, "weekly_overtime_hours"),
        ({"weekly_overtime_hours": Decimal("6")}, "weekly_overtime_hours"),
        ({"overtime_multiplier": Decimal("1")}, "overtime_multiplier"),
        ({"overtime_multiplier": Decimal("3.5")}, "overtime_multiplier"),
        ({"overtime_multiplier": None}, "overtime_multiplier"),
        ({"daily_overtime_hours": Decimal("7.125")}, "daily_overtime_hours"),
        ({"daily_overtime_hours": "NaN"}, "daily_overtime_hours"),
    ],
)
def test_payroll_settings_are_validated(firm, admin_member, pro_account, changes, field):
    setup = _through_account(firm, client_with_team(firm), admin_member)
    with pytest.raises(ValidationError) as exc:
        payroll.app_payroll_save(firm=firm, setup=setup, by=admin_member, **{**PAYROLL, **changes})
    assert field in exc.value.error_dict
    setup.refresh_from_db()
    assert setup.step == SetupStep.PAYROLL and "payroll" not in setup.data


def test_payroll_without_overtime_is_fine(firm, admin_member, pro_account):
    setup = _through_account(firm, client_with_team(firm), admin_member)
    payroll.app_payroll_save(
        firm=firm,
        setup=setup,
        by=admin_member,
        pay_period="monthly",
        period_start=datetime.date(2025, 1, 1),
    )
    setup.refresh_from_db()
    assert setup.data["payroll"]["overtime_multiplier"] == ""


def test_steps_must_be_reached_in_order(firm, admin_member, pro_account):
    setup = _install(firm, client_with_team(firm), admin_member)
    with pytest.raises(ValidationError, match="earlier steps"):
        payroll.app_payroll_save(firm=firm, setup=setup, by=admin_member, **PAYROLL)


def test_the_payroll_app_is_active_once_its_settings_are_saved(firm, admin_member, in_firm):
    setup = _install(firm, client_with_team(firm), admin_member, code="payroll")
    assert setup.step == SetupStep.PAYROLL
    payroll.app_payroll_save(firm=firm, setup=setup, by=admin_member, **PAYROLL)
    setup.refresh_from_db()
    assert (setup.step, setup.status) == (SetupStep.DONE, SetupStatus.ACTIVE)


# What to track and the background import ----------------------------------------


def test_importing_team_members_runs_in_the_background_and_is_idempotent(
    firm, admin_member, pro_account, django_capture_on_commit_callbacks
):
    client = client_with_team(firm, members=3)
    setup = _through_payroll(firm, client, admin_member)
    team = app_selectors.active_team(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tracking.app_tracking_save(
            firm=firm,
            setup=setup,
            track=["employees", "service_items"],
            member_ids=[m.pk for m in team[:2]],
            by=admin_member,
        )
    setup.refresh_from_db()
    # Queued until the transaction commits: nothing imported yet.
    assert (setup.import_status, setup.import_total, setup.import_done) == ("queued", 2, 0)
    assert setup.step == SetupStep.ADMIN
    assert len(callbacks) == 1
    callbacks[0]()
    setup.refresh_from_db()
    assert (setup.import_status, setup.import_done, setup.import_percent) == ("done", 2, 100)
    assert sorted(TimeEmployee.objects.values_list("member_id", flat=True)) == sorted(
        m.pk for m in team[:2]
    )
    # Running the task again (a retry, a redelivery) adds nobody twice.
    from subscriptions.clientapps.tasks import time_employees_import

    assert time_employees_import(firm.pk, setup.pk) == 0
    assert TimeEmployee.objects.count() == 2


def test_tracking_refuses_members_of_another_company(firm, admin_member, pro_account):
    client = client_with_team(firm)
    other = client_with_team(firm)
    setup = _through_payroll(firm, client, admin_member)
    stranger = app_selectors.active_team(other)[0]
    with pytest.raises(ValidationError):
        tracking.app_tracking_save(
            firm=firm, setup=setup, track=["employees"], member_ids=[stranger.pk], by=admin_member
        )


def test_tracking_without_employees_imports_nothing(firm, admin_member, pro_account):
    setup = _through_payroll(firm, client_with_team(firm), admin_member)
    tracking.app_tracking_save(
        firm=firm, setup=setup, track=["customers_jobs"], member_ids=[], by=admin_member
    )
    setup.refresh_from_db()
    assert setup.import_status == ImportStatus.NONE
    assert setup.data["track"] == {"items": ["customers_jobs"], "member_ids": []}


# Account admin and connected accountants ----------------------------------------


def test_at_most_two_accountants_are_connected_to_one_time_account(
    firm, primary_admin, admin_member, standard_member, pro_account
):
    setup = _through_account(firm, client_with_team(firm), admin_member)
    account = TimeAccount.objects.get(setup=setup)
    third = MembershipFactory(firm=firm)
    with pytest.raises(ValidationError, match="At most 2"):
        invitations.time_accountants_set(
            firm=firm,
            time_account=account,
            memberships=[admin_member, standard_member, third],
            by=admin_member,
        )
    assert not account.accountants.exists()
    connected = invitations.time_accountants_set(
        firm=firm, time_account=account, memberships=[admin_member, third], by=admin_member
    )
    assert {a.membership_id for a in connected} == {admin_member.pk, third.pk}
    connected = invitations.time_accountants_set(
        firm=firm, time_account=account, memberships=[standard_member], by=admin_member
    )
    assert [a.membership_id for a in connected] == [standard_member.pk]


def test_accountants_of_another_firm_are_refused(firm, other_firm, admin_member, pro_account):
    setup = _through_account(firm, client_with_team(firm), admin_member)
    account = TimeAccount.objects.get(setup=setup)
    with scopes_disabled():
        outsider = MembershipFactory(firm=other_firm)
    with pytest.raises(ValidationError):
        invitations.time_accountants_set(
            firm=firm, time_account=account, memberships=[outsider], by=admin_member
        )


def test_the_admin_is_designated_among_the_clients_team(firm, admin_member, pro_account):
    client = client_with_team(firm)
    other = client_with_team(firm)
    setup = _through_payroll(firm, client, admin_member)
    tracking.app_tracking_save(firm=firm, setup=setup, track=[], member_ids=[], by=admin_member)
    with pytest.raises(ValidationError):
        invitations.time_admin_invite(
            firm=firm,
            setup=setup,
            admin_member_id=app_selectors.active_team(other)[0].pk,
            permissions=[],
            accountants=[],
            by=admin_member,
        )


def test_time_account_ids_carry_a_luhn_check_digit():
    assert time_accounts.time_account_id_is_valid("TA-1234-5674")
    assert not time_accounts.time_account_id_is_valid("TA-1234-5675")
    for _ in range(50):
        new = time_accounts.new_time_account_id()
        assert time_accounts.time_account_id_is_valid(new)
        assert luhn_valid(new[3:7] + new[8:])


def test_the_apps_tasks_keep_their_registered_names():
    """Messages queued before the tasks moved module still find them."""
    from subscriptions.clientapps import tasks

    assert tasks.time_employees_import.name == "subscriptions.tasks.time_employees_import"
    assert tasks.time_invitation_email.name == "subscriptions.tasks.time_invitation_email"
    assert (
        tasks.time_invitation_accepted_email.name
        == "subscriptions.tasks.time_invitation_accepted_email"
    )
