"""R22 transfers: the company moves from its current firm to the accepting firm.
The old firm loses access at once (its statements keep their lines); a company on
the old firm's wholesale billing leaves it, and the new firm may keep the
wholesale discount within 60 days (day 60 yes, day 61 no); after that only
direct pricing is offered (R5)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from billing.models import StatementLine
from billing.services import statement_generate
from clients.companies import transfers
from clients.models import AccountantInvitation, Client
from practice.models import ActivityEvent
from subscriptions import services as sub_services
from subscriptions import transfers as sub_transfers
from subscriptions.models import (
    Billing,
    ClientUsage,
    DiscountPolicy,
    Feature,
    Subscription,
    SubscriptionStatus,
)
from tests.clients.factories import CompanyFactory, connect, portal_user
from tests.practice.factories import BillingProfileFactory, FirmFactory, MembershipFactory
from tests.subscriptions.factories import ClientUsageFactory, SubscriptionFactory, product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]

START = datetime.date(2025, 3, 10)


@pytest.fixture
def day(today_is):
    """day(date): it is now noon on `date`; the tests start on START."""
    today_is(START)
    return today_is


@pytest.fixture
def old_firm(db):
    with scopes_disabled():
        firm = FirmFactory(name="Ancien cabinet")
        MembershipFactory(firm=firm, role="primary_admin")
        BillingProfileFactory(firm=firm)
        return firm


@pytest.fixture
def new_firm(db):
    with scopes_disabled():
        firm = FirmFactory(name="Nouveau cabinet")
        BillingProfileFactory(firm=firm)
        return firm


@pytest.fixture
def new_admin(new_firm):
    with scopes_disabled():
        return MembershipFactory(firm=new_firm, role="primary_admin")


@pytest.fixture
def company():
    return CompanyFactory(name="Garage du Port")


@pytest.fixture
def old_client(old_firm, company):
    with scopes_disabled():
        return connect(company, old_firm, firm_is_primary_admin=True)


@pytest.fixture
def on_wholesale(old_client, day):
    with scopes_disabled():
        return SubscriptionFactory(
            client=old_client,
            product=product("essentials"),
            start_date=START - datetime.timedelta(days=70),
        )


def transfer(company, new_admin, admin=None):
    admin = admin or portal_user(company)
    invitation = transfers.accountant_invitation_create(
        company=company, email=new_admin.user.email, kind="transfer", by=admin
    )
    with scopes_disabled():
        return transfers.accountant_invitation_accept(invitation=invitation, membership=new_admin)


def test_r22_transfer_moves_the_client_and_the_old_firm_loses_access_at_once(
    client_for, old_firm, old_client, new_firm, new_admin, company
):
    with scopes_disabled():
        old_owner = old_firm.membership_set.get()
    detail = reverse("clients:detail", args=[old_firm.slug, old_client.pk])
    assert client_for(old_owner).get(detail).status_code == 200
    new_client = transfer(company, new_admin)
    assert client_for(old_owner).get(detail).status_code == 404
    with scopes_disabled():
        assert not Client.objects.filter(firm=old_firm, company_account=company).exists()
        assert new_client.firm == new_firm and new_client.company_account == company
        old_verbs = set(ActivityEvent.objects.filter(firm=old_firm).values_list("verb", flat=True))
        new_verbs = set(ActivityEvent.objects.filter(firm=new_firm).values_list("verb", flat=True))
    assert "client.transferred_out" in old_verbs
    assert "client.transferred_in" in new_verbs
    listing = client_for(new_admin).get(reverse("clients:list", args=[new_firm.slug]))
    assert company.name in listing.content.decode()


def test_r22_transfer_from_wholesale_leaves_it_and_old_statements_keep_their_lines(
    day, old_firm, old_client, on_wholesale, new_admin, company
):
    with scope(firm=old_firm):
        january = statement_generate(firm=old_firm, year=2025, month=1)
    assert january.line_count == 1
    new_client = transfer(company, new_admin)
    company.refresh_from_db()
    assert company.wholesale_left_firm == old_firm
    assert company.wholesale_left_at is not None
    with scopes_disabled():
        (line,) = StatementLine.objects.filter(statement=january)
        assert line.client is None and line.client_name == old_client.display_name
        # the days the old firm paid this month are still on its next statement
        day(datetime.date(2025, 4, 1))  # March's statement is issued once March is over
        with scope(firm=old_firm):
            march = statement_generate(firm=old_firm, year=2025, month=3)
        (march_line,) = march.lines.all()
        assert march_line.days == START.day - 1
        # the plan follows the client, billed to the client now
        (plan,) = Subscription.objects.filter(client=new_client)
        assert (plan.billing, plan.status, plan.product.code) == (
            Billing.DIRECT,
            SubscriptionStatus.ACTIVE,
            "essentials",
        )
    assert new_client.wholesale_offer_until == START + datetime.timedelta(days=60)


def _enrol(new_firm, new_client, new_admin):
    with scope(firm=new_firm):
        return sub_transfers.subscription_start_wholesale_after_transfer(
            firm=new_firm, client=new_client, by=new_admin
        )


def test_r22_day_60_keeps_the_wholesale_discount(
    day, old_client, on_wholesale, new_firm, new_admin, company
):
    new_client = transfer(company, new_admin)
    day(START + datetime.timedelta(days=60))
    subscription = _enrol(new_firm, new_client, new_admin)
    assert subscription.billing == Billing.WHOLESALE
    assert subscription.discount_rate == DiscountPolicy.current().wholesale_rate
    assert subscription.discount_until is None
    with scopes_disabled():
        new_client.refresh_from_db()
        subscription.refresh_from_db()
        # The plan that followed the client moves from direct billing (it is no new
        # subscription: same product).
        event = ActivityEvent.objects.get(
            firm=new_firm, verb="subscription.enrolment_requested", target_id=subscription.pk
        )
    assert event.changes == {"billing": [Billing.DIRECT, Billing.WHOLESALE]}
    assert subscription.status == SubscriptionStatus.ACTIVE  # enrolment completed (R16)
    assert new_client.billing == "wholesale"
    assert new_client.wholesale_offer_until is None  # the chance is used


def test_r22_day_61_offers_direct_pricing_only(
    client_for, day, old_client, on_wholesale, new_firm, new_admin, company
):
    new_client = transfer(company, new_admin)
    day(START + datetime.timedelta(days=61))
    with pytest.raises(ValidationError, match="60 days"):
        _enrol(new_firm, new_client, new_admin)
    page = client_for(new_admin).get(
        reverse("clients:wholesale_after_transfer", args=[new_firm.slug, new_client.pk])
    )
    assert 'data-testid="wholesale-closed"' in page.content.decode()
    profile = client_for(new_admin).get(
        reverse("clients:detail", args=[new_firm.slug, new_client.pk])
    )
    assert 'data-testid="wholesale-offer"' not in profile.content.decode()
    with scopes_disabled():
        (plan,) = Subscription.objects.filter(client=new_client)
    assert plan.billing == Billing.DIRECT


def test_r22_the_60_days_count_from_leaving_wholesale_not_from_the_transfer(
    day, old_firm, old_client, new_firm, new_admin, company
):
    """The old firm removed the client from wholesale on START; a transfer on day 61
    comes too late for the discount, one on day 60 in time."""
    company.wholesale_left_at = timezone.make_aware(
        datetime.datetime.combine(START, datetime.time(12))
    )
    company.wholesale_left_firm = old_firm
    company.save()
    day(START + datetime.timedelta(days=61))
    late = transfer(company, new_admin)
    assert late.wholesale_offer_until is None
    with scopes_disabled():
        other = FirmFactory()
        other_admin = MembershipFactory(firm=other, role="primary_admin")
    day(START + datetime.timedelta(days=60))
    in_time = transfer(company, other_admin, admin=company.members.get())
    assert in_time.wholesale_offer_until == START + datetime.timedelta(days=60)


def test_removing_from_wholesale_starts_the_60_day_window(
    old_firm, old_client, on_wholesale, company
):
    with scope(firm=old_firm):
        owner = old_firm.membership_set.get()
        sub_services.subscription_remove_from_wholesale(
            firm=old_firm, subscription=on_wholesale, by=owner
        )
    company.refresh_from_db()
    assert company.wholesale_left_firm == old_firm and company.wholesale_left_at is not None


def test_r5_without_a_transfer_no_wholesale_later(day, new_firm, new_admin, company):
    """A client that never left another firm's wholesale has no offer (R5)."""
    with scopes_disabled():
        plain = connect(company, new_firm)
    with pytest.raises(ValidationError):
        _enrol(new_firm, plain, new_admin)


def test_enrol_page_after_transfer(
    client_for, day, old_client, on_wholesale, new_firm, new_admin, company
):
    new_client = transfer(company, new_admin)
    profile = client_for(new_admin).get(
        reverse("clients:detail", args=[new_firm.slug, new_client.pk])
    )
    assert 'data-testid="wholesale-offer"' in profile.content.decode()
    response = client_for(new_admin).post(
        reverse("clients:wholesale_after_transfer", args=[new_firm.slug, new_client.pk])
    )
    assert response.status_code == 302
    with scopes_disabled():
        (plan,) = Subscription.objects.filter(client=new_client)
    assert plan.billing == Billing.WHOLESALE


def test_only_admins_enrol_after_transfer(
    client_for, day, old_client, on_wholesale, new_firm, new_admin, company
):
    """A standard member is refused (R2), and the refusal changes nothing: the plan
    stays direct, the offer stays open for an admin, nothing is logged."""
    new_client = transfer(company, new_admin)
    with scopes_disabled():
        standard = MembershipFactory(firm=new_firm, role="standard")

    def state():
        with scopes_disabled():
            client = Client.objects.values("billing", "wholesale_offer_until").get(pk=new_client.pk)
            plans = list(
                Subscription.objects.filter(client=new_client).values(
                    "pk", "product", "billing", "status", "discount_rate", "discount_until"
                )
            )
            periods = list(
                Subscription.objects.filter(client=new_client).values_list(
                    "periods__pk", "periods__payer", "periods__ends_on"
                )
            )
            events = ActivityEvent.objects.filter(firm=new_firm).count()
        return client, plans, periods, events

    before = state()
    assert before[2], "the plan has its charge periods"
    client_before, [plan_before], _periods, _events = before
    assert client_before["wholesale_offer_until"] is not None
    assert plan_before["billing"] == Billing.DIRECT
    url = reverse("clients:wholesale_after_transfer", args=[new_firm.slug, new_client.pk])
    assert client_for(standard).get(url).status_code == 403
    response = client_for(standard).post(url, {"plan_code": "plus"})
    assert response.status_code == 403
    assert state() == before


def test_transfer_with_two_firms_names_the_firm_left(company, old_firm, old_client, new_admin):
    with scopes_disabled():
        staying = connect(company, FirmFactory(name="Reste"))
    admin = portal_user(company)
    with pytest.raises(ValidationError):
        transfers.accountant_invitation_create(
            company=company, email=new_admin.user.email, kind="transfer", by=admin
        )
    invitation = transfers.accountant_invitation_create(
        company=company, email=new_admin.user.email, kind="transfer", by=admin, from_firm=old_firm
    )
    with scopes_disabled():
        transfers.accountant_invitation_accept(invitation=invitation, membership=new_admin)
        assert set(
            Client.objects.filter(company_account=company).values_list("firm", flat=True)
        ) == {
            staying.firm_id,
            new_admin.firm_id,
        }


def test_the_company_is_told_and_sees_its_new_accountant(
    client_for, old_client, new_firm, new_admin, company
):
    admin = portal_user(company)
    transfer(company, new_admin, admin=admin)
    assert mail.outbox[-1].to == [admin.user.email]
    assert re.search("previous firm no longer has access", mail.outbox[-1].body)
    page = (
        client_for(admin.user).get(reverse("portal:overview", args=[company.pk])).content.decode()
    )
    assert new_firm.name in page and "Ancien cabinet" not in page
    assert AccountantInvitation.objects.get().accepted_firm == new_firm


def test_after_leaving_wholesale_the_portal_asks_for_billing_details(
    client_for, old_client, on_wholesale, new_admin, company
):
    admin = portal_user(company)
    transfer(company, new_admin, admin=admin)
    page = (
        client_for(admin.user).get(reverse("portal:overview", args=[company.pk])).content.decode()
    )
    assert 'data-testid="billing-takeover"' in page
    assert "Paid by your company" in page


def _schedule_wholesale_rate(rate: str, on: datetime.date):
    """Discount terms from `on` (written directly: the admin refuses past dates)."""
    current = DiscountPolicy.current()
    return DiscountPolicy.objects.create(
        wholesale_rate=Decimal(rate),
        direct_rate=current.direct_rate,
        direct_months=current.direct_months,
        effective_from=on,
    )


def test_r38_transfer_keeps_the_discount_rate_across_a_rate_change(
    day, old_client, on_wholesale, new_firm, new_admin, company
):
    """R38: the client leaves the old firm at 30 %; wholesale terms drop to 25 %
    for everyone from ten days later; enrolled at the new firm after that, it still
    has 30 %, on its subscription and on the new firm's statement."""
    assert on_wholesale.discount_rate == Decimal("0.3000")
    _schedule_wholesale_rate("0.25", START + datetime.timedelta(days=10))
    new_client = transfer(company, new_admin)
    company.refresh_from_db()
    assert company.wholesale_left_rate == Decimal("0.3000")
    day(START + datetime.timedelta(days=20))
    subscription = _enrol(new_firm, new_client, new_admin)
    assert subscription.discount_rate == Decimal("0.3000")
    assert DiscountPolicy.current().wholesale_rate == Decimal("0.25")
    day(datetime.date(2025, 5, 1))
    with scope(firm=new_firm):
        april = statement_generate(firm=new_firm, year=2025, month=4)
        (line,) = april.lines.all()
    assert [part["rate"] for part in line.detail] == ["0.3000"]
    assert line.net_amount == Decimal("19.60")  # Essentials 28.00 at 30 % off


def test_r38_a_client_that_stayed_follows_the_new_terms_and_one_leaving_after_keeps_them(
    day, old_firm, old_client, on_wholesale, new_firm, new_admin, company
):
    """The rate kept is the one in force for the client on its last day at the old
    firm: terms dated before the transfer re-priced it there already."""
    _schedule_wholesale_rate("0.25", START + datetime.timedelta(days=5))
    day(START + datetime.timedelta(days=8))
    transfer(company, new_admin)
    company.refresh_from_db()
    assert company.wholesale_left_rate == Decimal("0.2500")
    day(datetime.date(2025, 4, 1))
    with scope(firm=old_firm):
        march = statement_generate(firm=old_firm, year=2025, month=3)
        (line,) = march.lines.all()
    # March 1-14 at 30 %, March 15-17 at 25 %, then the client left.
    assert [(p["from"], p["to"], p["rate"]) for p in line.detail] == [
        ("2025-03-01", "2025-03-14", "0.3000"),
        ("2025-03-15", "2025-03-17", "0.2500"),
    ]


def test_r38_recorded_usage_follows_the_client_and_still_refuses_a_downgrade(
    day, old_firm, old_client, new_firm, new_admin, company
):
    """R18, R38: the old firm recorded multicurrency in use; at the new firm a
    downgrade from Plus to Essentials is still refused until it is turned off."""
    with scopes_disabled():
        SubscriptionFactory(
            client=old_client, product=product("plus"), start_date=START - datetime.timedelta(70)
        )
        ClientUsageFactory(
            client=old_client, users=2, features=[Feature.objects.get(code="multicurrency")]
        )
    new_client = transfer(company, new_admin)
    day(START + datetime.timedelta(days=1))
    with scope(firm=new_firm):
        usage = ClientUsage.objects.get(client=new_client)
        assert usage.users == 2
        assert [f.code for f in usage.features.all()] == ["multicurrency"]
        enrolled = _enrol(new_firm, new_client, new_admin)
        enrolled.refresh_from_db()
        assert enrolled.status == SubscriptionStatus.ACTIVE
        with pytest.raises(ValidationError, match="Multicurrency"):
            sub_services.subscription_change_plan(
                firm=new_firm,
                subscription=enrolled,
                product=product("essentials"),
                direction="downgrade",
                by=new_admin,
            )
