import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_scopes import scopes_disabled

from clients.models import BillingChoice, Client
from practice import clock
from practice.models import ActivityEvent
from subscriptions import selectors, services
from subscriptions.models import (
    Billing,
    ChargePeriod,
    Feature,
    Payer,
    PlanChange,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.tasks import enrolments_sweep
from tests.practice.factories import BillingProfileFactory
from tests.subscriptions.factories import ClientUsageFactory, product

pytestmark = pytest.mark.django_db


def _create(firm, make_client, by, billing, code="essentials"):
    client = make_client(initial_billing=billing, initial_plan_code=code)
    return client, services.subscriptions_on_client_created(firm=firm, client=client, by=by)


# Creation (R4, R5, R16) -------------------------------------------------------


def test_r16_wholesale_at_creation_is_pending_then_the_task_completes_enrolment(
    firm, in_firm, make_client, primary_admin, complete_profile, django_capture_on_commit_callbacks
):
    """R5/R16: wholesale chosen at creation starts pending; the Celery task
    (enqueued on commit, run eagerly in tests) activates it once the billing
    profile is complete."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client, sub = _create(firm, make_client, primary_admin.user, BillingChoice.WHOLESALE)
    assert sub.status == SubscriptionStatus.PENDING
    assert sub.billing == Billing.WHOLESALE
    assert not ChargePeriod.objects.filter(subscription=sub).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.start_date == clock.today()
    period = ChargePeriod.objects.get(subscription=sub)
    assert period.payer == Payer.FIRM and period.ends_on is None
    client.refresh_from_db()
    assert client.billing == BillingChoice.WHOLESALE
    assert client.products_summary == "Essentials"
    assert ActivityEvent.objects.filter(verb="subscription.enrolled").exists()


def test_r16_enrolment_waits_for_a_complete_billing_profile_then_the_sweep_completes_it(
    firm, in_firm, make_client, primary_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client, sub = _create(firm, make_client, primary_admin.user, BillingChoice.WHOLESALE)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PENDING
    client.refresh_from_db()
    assert client.products_summary == "Essentials …"
    with scopes_disabled():
        BillingProfileFactory(firm=firm)
    assert enrolments_sweep() == 1
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE


def test_enrolment_task_is_idempotent(firm, in_firm, make_client, primary_admin, complete_profile):
    from subscriptions.tasks import enrolment_complete

    client, sub = _create(firm, make_client, primary_admin.user, BillingChoice.WHOLESALE)
    assert enrolment_complete(firm.pk, sub.pk) is True
    assert enrolment_complete(firm.pk, sub.pk) is False
    assert ChargePeriod.objects.filter(subscription=sub).count() == 1


def test_r15_direct_at_creation_is_active_with_the_discount_for_twelve_months(
    firm, in_firm, make_client, primary_admin, today_is
):
    today_is(datetime.date(2025, 3, 31))
    client, sub = _create(firm, make_client, primary_admin.user, BillingChoice.DIRECT, "plus")
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.billing == Billing.DIRECT
    assert sub.discount_rate == Decimal("0.5000")
    assert sub.discount_until == datetime.date(2026, 3, 31)
    assert ChargePeriod.objects.get(subscription=sub).payer == Payer.CLIENT
    client.refresh_from_db()
    assert client.billing == BillingChoice.DIRECT


def test_no_subscription_at_creation_creates_nothing(firm, in_firm, make_client, primary_admin):
    client, sub = _create(firm, make_client, primary_admin.user, BillingChoice.NONE, "")
    assert sub is None
    assert not Subscription.objects.filter(client=client).exists()


def test_unknown_plan_code_is_refused(firm, in_firm, make_client, primary_admin):
    with pytest.raises(ValidationError):
        _create(firm, make_client, primary_admin.user, BillingChoice.DIRECT, "nope")


def test_r5_a_client_without_subscription_subscribes_later_at_direct_only(
    firm, in_firm, make_client, primary_admin
):
    client = make_client()
    assert selectors.client_can_subscribe(client=client)
    sub = services.subscription_start_direct(
        firm=firm, client=client, product=product("plus"), by=primary_admin
    )
    assert sub.billing == Billing.DIRECT and sub.status == SubscriptionStatus.ACTIVE
    assert not selectors.client_can_subscribe(client=client)
    with pytest.raises(ValidationError, match="already has a subscription"):
        services.subscription_start_direct(
            firm=firm, client=client, product=product("plus"), by=primary_admin
        )


# Plan changes (R16, R18, R19) ------------------------------------------------


def test_r16_a_pending_subscription_cannot_be_upgraded(
    firm, in_firm, wholesale, primary_admin, complete_profile
):
    sub = wholesale("essentials", status=SubscriptionStatus.PENDING, start_date=None)
    with pytest.raises(ValidationError, match="pending"):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("plus"),
            direction="upgrade",
            by=primary_admin,
        )


def test_r16_r3_upgrade_needs_a_complete_billing_profile(firm, in_firm, wholesale, primary_admin):
    sub = wholesale("essentials")
    with pytest.raises(ValidationError, match="billing profile"):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("plus"),
            direction="upgrade",
            by=primary_admin,
        )


def test_r18_upgrade_moves_up_records_history_and_prorates_from_today(
    firm, in_firm, wholesale, primary_admin, complete_profile, today_is
):
    sub = wholesale("essentials", start=datetime.date(2025, 1, 1))
    today_is(datetime.date(2025, 1, 11))
    services.subscription_change_plan(
        firm=firm, subscription=sub, product=product("plus"), direction="upgrade", by=primary_admin
    )
    sub.refresh_from_db()
    assert sub.product.code == "plus"
    change = PlanChange.objects.get(subscription=sub)
    assert (change.from_product.code, change.to_product.code) == ("essentials", "plus")
    assert change.changed_by == primary_admin.user
    assert change.effective_on == datetime.date(2025, 1, 11)
    periods = list(ChargePeriod.objects.filter(subscription=sub).order_by("starts_on"))
    assert [(p.product.code, p.starts_on, p.ends_on) for p in periods] == [
        ("essentials", datetime.date(2025, 1, 1), datetime.date(2025, 1, 11)),
        ("plus", datetime.date(2025, 1, 11), None),
    ]
    assert ActivityEvent.objects.filter(verb="subscription.upgraded").exists()


def test_r18_upgrade_refuses_a_lower_plan(
    firm, in_firm, wholesale, primary_admin, complete_profile
):
    sub = wholesale("plus")
    with pytest.raises(ValidationError, match="not above"):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("essentials"),
            direction="upgrade",
            by=primary_admin,
        )


def test_r18_downgrade_is_refused_when_the_client_has_more_users_than_the_lower_plan_allows(
    firm, in_firm, wholesale, primary_admin
):
    sub = wholesale("plus")
    with scopes_disabled():
        ClientUsageFactory(client=sub.client, users=4)
    with pytest.raises(ValidationError) as exc:
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("essentials"),
            direction="downgrade",
            by=primary_admin,
        )
    assert exc.value.messages == [
        f"{sub.client.display_name} has 4 billable users and Essentials allows 3: remove 1 user first."
    ]


def test_r18_downgrade_is_refused_while_a_missing_feature_is_in_use_then_allowed(
    firm, in_firm, wholesale, primary_admin
):
    sub = wholesale("plus")
    multicurrency = Feature.objects.get(code="multicurrency")
    with scopes_disabled():
        usage = ClientUsageFactory(client=sub.client, users=2, features=[multicurrency])
    with pytest.raises(ValidationError) as exc:
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("essentials"),
            direction="downgrade",
            by=primary_admin,
        )
    assert "Essentials doesn't include Multicurrency" in exc.value.messages[0]
    services.client_usage_update(
        firm=firm, client=sub.client, users=2, features=[], by=primary_admin.user
    )
    usage.refresh_from_db()
    services.subscription_change_plan(
        firm=firm,
        subscription=sub,
        product=product("essentials"),
        direction="downgrade",
        by=primary_admin,
    )
    sub.refresh_from_db()
    assert sub.product.code == "essentials"
    assert PlanChange.objects.get(subscription=sub).kind == "downgrade"


@pytest.mark.parametrize(
    ("source", "target", "direction", "reason"),
    [
        ("simple_start", "self_employed", "upgrade", "Self-Employed"),
        ("self_employed", "essentials", "upgrade", "Self-Employed"),
        ("essentials", "ledger", "downgrade", "online plan can't move to Ledger"),
        ("advanced", "ledger", "downgrade", "online plan can't move to Ledger"),
    ],
)
def test_r19_no_move_to_or_from_self_employed_and_no_online_plan_to_ledger(
    firm, in_firm, wholesale, primary_admin, complete_profile, source, target, direction, reason
):
    sub = wholesale(source)
    with pytest.raises(ValidationError, match=reason):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product(target),
            direction=direction,
            by=primary_admin,
        )


def test_r19_ledger_may_move_up_to_an_online_plan(
    firm, in_firm, wholesale, primary_admin, complete_profile
):
    sub = wholesale("ledger", start=datetime.date(2025, 1, 1))
    services.subscription_change_plan(
        firm=firm, subscription=sub, product=product("plus"), direction="upgrade", by=primary_admin
    )
    sub.refresh_from_db()
    assert sub.product.code == "plus"
    change = PlanChange.objects.get(subscription=sub)
    assert (change.kind, change.from_product.code, change.to_product.code) == (
        "upgrade",
        "ledger",
        "plus",
    )
    periods = ChargePeriod.objects.filter(subscription=sub).order_by("starts_on")
    assert [(p.product.code, p.ends_on) for p in periods] == [
        ("ledger", clock.today()),
        ("plus", None),
    ]


def test_r2_only_admins_change_billing(firm, in_firm, wholesale, standard_member, complete_profile):
    sub = wholesale("essentials")
    with pytest.raises(PermissionDenied):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("plus"),
            direction="upgrade",
            by=standard_member,
        )
    with pytest.raises(PermissionDenied):
        services.subscription_remove_from_wholesale(firm=firm, subscription=sub, by=standard_member)


# Remove from wholesale (R12, R15) --------------------------------------------


def test_r12_remove_from_wholesale_clears_the_delete_condition_and_client_pays_direct(
    firm, in_firm, wholesale, primary_admin, today_is
):
    """R12(b): a client on wholesale can't be deleted; once removed, the client
    pays: direct discount for the rest of its first 12 months, then list price."""
    sub = wholesale("plus", start=datetime.date(2025, 1, 15))
    assert selectors.client_has_wholesale(client=sub.client)
    today_is(datetime.date(2025, 6, 1))
    services.subscription_remove_from_wholesale(firm=firm, subscription=sub, by=primary_admin)
    sub.refresh_from_db()
    assert not selectors.client_has_wholesale(client=sub.client)
    assert sub.billing == Billing.DIRECT
    assert sub.discount_until == datetime.date(2026, 1, 15)
    periods = list(ChargePeriod.objects.filter(subscription=sub).order_by("starts_on"))
    assert [(p.payer, p.ends_on) for p in periods] == [
        (Payer.FIRM, datetime.date(2025, 6, 1)),
        (Payer.CLIENT, None),
    ]
    client = Client.objects.get(pk=sub.client_id)
    assert client.billing == BillingChoice.DIRECT


def test_r15_removed_after_twelve_months_the_client_pays_the_list_price(
    firm, in_firm, wholesale, primary_admin, today_is
):
    sub = wholesale("plus", start=datetime.date(2024, 1, 1))
    today_is(datetime.date(2025, 6, 1))
    services.subscription_remove_from_wholesale(firm=firm, subscription=sub, by=primary_admin)
    sub.refresh_from_db()
    assert sub.discount_until <= datetime.date(2025, 6, 1)
    [plan] = selectors.client_products(client=sub.client)
    assert plan.billing == Billing.DIRECT


def test_r12_a_pending_wholesale_enrolment_also_counts_until_removed(
    firm, in_firm, wholesale, primary_admin
):
    sub = wholesale("essentials", status=SubscriptionStatus.PENDING, start_date=None)
    assert selectors.client_has_wholesale(client=sub.client)
    services.subscription_remove_from_wholesale(firm=firm, subscription=sub, by=primary_admin)
    assert not selectors.client_has_wholesale(client=sub.client)


def test_r11_inactive_client_keeps_its_wholesale_subscription(firm, in_firm, wholesale):
    sub = wholesale("essentials")
    Client.objects.filter(pk=sub.client_id).update(status="inactive")
    assert selectors.client_has_wholesale(client=Client.objects.get(pk=sub.client_id))


# Split billing (R20) ------------------------------------------------------------


def test_r20_split_billing_the_firm_pays_the_plan_and_the_client_pays_the_add_on(
    firm, in_firm, wholesale, primary_admin
):
    sub = wholesale("plus")
    addon = services.subscription_addon_add(
        firm=firm,
        subscription=sub,
        product=product("payroll"),
        payer=Billing.DIRECT,
        by=primary_admin,
    )
    assert addon.parent == sub
    assert ChargePeriod.objects.get(subscription=addon).payer == Payer.CLIENT
    time = services.subscription_addon_add(
        firm=firm,
        subscription=sub,
        product=product("time"),
        payer=Billing.WHOLESALE,
        by=primary_admin,
    )
    assert ChargePeriod.objects.get(subscription=time).payer == Payer.FIRM
    [plan] = selectors.client_products(client=sub.client)
    assert {(a.product.code, a.billing) for a in plan.addon_list} == {
        ("payroll", Billing.DIRECT),
        ("time", Billing.WHOLESALE),
    }
    assert Client.objects.get(pk=sub.client_id).products_summary == "Plus + Payroll + Time"
    with pytest.raises(ValidationError, match="already has Payroll"):
        services.subscription_addon_add(
            firm=firm,
            subscription=sub,
            product=product("payroll"),
            payer=Billing.DIRECT,
            by=primary_admin,
        )


def test_r20_a_client_paying_its_plan_pays_its_add_ons(firm, in_firm, make_client, primary_admin):
    client = make_client()
    sub = services.subscription_start_direct(
        firm=firm, client=client, product=product("plus"), by=primary_admin
    )
    with pytest.raises(ValidationError, match="pays its add-ons"):
        services.subscription_addon_add(
            firm=firm,
            subscription=sub,
            product=product("time"),
            payer=Billing.WHOLESALE,
            by=primary_admin,
        )


def test_cancel_a_direct_plan_ends_its_add_ons_and_refuses_a_wholesale_plan(
    firm, in_firm, wholesale, make_client, primary_admin
):
    w = wholesale("plus")
    with pytest.raises(ValidationError, match="wholesale"):
        services.subscription_cancel(firm=firm, subscription=w, by=primary_admin)
    client = make_client()
    sub = services.subscription_start_direct(
        firm=firm, client=client, product=product("plus"), by=primary_admin
    )
    addon = services.subscription_addon_add(
        firm=firm, subscription=sub, product=product("time"), payer=Billing.DIRECT, by=primary_admin
    )
    services.subscription_cancel(firm=firm, subscription=sub, by=primary_admin)
    addon.refresh_from_db()
    assert addon.status == SubscriptionStatus.CANCELLED
    client.refresh_from_db()
    assert client.billing == BillingChoice.NONE and client.products_summary == ""
    assert selectors.client_can_subscribe(client=client)


def test_client_products_shows_the_direct_clients_own_charge(
    firm, in_firm, make_client, primary_admin
):
    """R15: direct-discount subscriptions show the client's own monthly charge."""
    client = make_client()
    services.subscription_start_direct(
        firm=firm, client=client, product=product("essentials"), by=primary_admin
    )
    [plan] = selectors.client_products(client=client)
    assert plan.list_price == Decimal("28.00")
    assert plan.discounted_price == Decimal("14.00")
    assert plan.discount_active
    assert Decimal("0") < plan.client_charge_this_month <= Decimal("14.00")


def test_r19_ledger_to_online_is_an_upgrade_never_a_downgrade_and_has_no_way_back(
    firm, in_firm, wholesale, primary_admin, complete_profile
):
    """Decision (R19): Ledger -> an online plan is an upgrade (Ledger is tier 0,
    below Simple Start). Asked as a downgrade it is refused; once online, the
    client can't go back to Ledger."""
    sub = wholesale("ledger", start=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="not below"):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("simple_start"),
            direction="downgrade",
            by=primary_admin,
        )
    services.subscription_change_plan(
        firm=firm,
        subscription=sub,
        product=product("simple_start"),
        direction="upgrade",
        by=primary_admin,
    )
    sub.refresh_from_db()
    assert sub.product.code == "simple_start"
    with pytest.raises(ValidationError, match="online plan can't move to Ledger"):
        services.subscription_change_plan(
            firm=firm,
            subscription=sub,
            product=product("ledger"),
            direction="downgrade",
            by=primary_admin,
        )
