import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from billing import services as billing_services
from billing.models import ImmutableError, Statement, StatementLine
from billing.tasks import statements_generate_due
from clients.models import BillingChoice
from practice.models import ActivityEvent
from subscriptions import services
from subscriptions.models import Billing
from subscriptions.pricing import Segment
from tests.clients.factories import ClientFactory
from tests.practice.factories import BillingProfileFactory, MembershipFactory
from tests.subscriptions.factories import SubscriptionFactory, product

pytestmark = pytest.mark.django_db

JAN = datetime.date(2025, 1, 1)


def _wholesale(firm, code="essentials", start=JAN, name=None, currency=None):
    with scopes_disabled():
        client = ClientFactory(
            firm=firm,
            initial_billing=BillingChoice.WHOLESALE,
            **({"display_name": name} if name else {}),
        )
        return SubscriptionFactory(
            client=client,
            product=product(code),
            start_date=start,
            **({"currency": currency} if currency else {}),
        )


def test_r21_one_line_per_subscription_with_list_discount_net_and_totals(firm, in_firm):
    """R21: Essentials is 28.00 EUR, wholesale 30 % off: 19.60 for a full month."""
    _wholesale(firm, "essentials", name="Boulangerie Petit")
    _wholesale(firm, "plus", name="Atelier Roux")
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    lines = {line.client_name: line for line in stmt.lines.all()}
    bakery = lines["Boulangerie Petit"]
    assert (bakery.monthly_list_price, bakery.list_amount) == (Decimal("28.00"), Decimal("28.00"))
    assert (bakery.discount_amount, bakery.net_amount) == (Decimal("8.40"), Decimal("19.60"))
    assert (bakery.days, bakery.days_in_month) == (28, 28)
    [total] = stmt.totals.all()
    assert total.currency == "EUR"
    assert total.net_amount == Decimal("19.60") + Decimal("29.40")
    assert total.line_count == 2 == stmt.line_count


def test_r21_prorates_by_day_an_upgrade_within_the_month(firm, in_firm, primary_admin, today_is):
    with scopes_disabled():
        BillingProfileFactory(firm=firm)
    sub = _wholesale(firm, "essentials")
    today_is(datetime.date(2025, 4, 11))
    services.subscription_change_plan(
        firm=firm, subscription=sub, product=product("plus"), direction="upgrade", by=primary_admin
    )
    today_is(datetime.date(2025, 5, 1))  # April's statement is issued once April is over
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=4)
    [line] = stmt.lines.all()
    # April has 30 days: 10 days of Essentials (28.00) and 20 of Plus (42.00).
    expected_list = Decimal("28") * 10 / 30 + Decimal("42") * 20 / 30
    assert line.list_amount == expected_list.quantize(Decimal("0.01"))
    assert line.net_amount == (expected_list * Decimal("0.7")).quantize(Decimal("0.01"))
    assert line.product_label == "Essentials → Plus"
    assert line.days == 30
    assert [p["days"] for p in line.detail] == [10, 20]


def test_r21_prorates_a_start_and_a_removal_within_the_month(
    firm, in_firm, primary_admin, today_is
):
    _wholesale(firm, "essentials", start=datetime.date(2025, 5, 17), name="Starter")
    removed = _wholesale(firm, "essentials", name="Leaver")
    today_is(datetime.date(2025, 5, 11))
    services.subscription_remove_from_wholesale(firm=firm, subscription=removed, by=primary_admin)
    today_is(datetime.date(2025, 7, 1))
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=5)
    lines = {line.client_name: line for line in stmt.lines.all()}
    assert lines["Starter"].days == 15  # 17..31 May
    assert lines["Leaver"].days == 10  # 1..10 May, then the client pays
    june = billing_services.statement_generate(firm=firm, year=2025, month=6)
    assert [line.client_name for line in june.lines.all()] == ["Starter"]


def test_r20_the_firms_statement_carries_only_what_the_firm_pays(firm, in_firm, primary_admin):
    sub = _wholesale(firm, "plus", name="Split")
    with scopes_disabled():
        SubscriptionFactory(
            client=sub.client,
            parent=sub,
            product=product("payroll"),
            billing=Billing.DIRECT,
            start_date=JAN,
        )
        SubscriptionFactory(
            client=sub.client,
            parent=sub,
            product=product("time"),
            billing=Billing.WHOLESALE,
            start_date=JAN,
        )
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=3)
    labels = sorted(line.product_label for line in stmt.lines.all())
    assert labels == ["Plus", "Time"]


def test_r21_generation_is_idempotent(firm, in_firm):
    _wholesale(firm)
    first = billing_services.statement_generate(firm=firm, year=2025, month=2)
    again = billing_services.statement_generate(firm=firm, year=2025, month=2)
    assert first.pk == again.pk
    assert Statement.objects.filter(firm=firm).count() == 1
    assert StatementLine.objects.filter(statement=first).count() == 1


def test_r21_an_issued_statement_never_changes(firm, in_firm):
    _wholesale(firm)
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    _wholesale(firm, "advanced", name="Late arrival")  # started in January as well
    again = billing_services.statement_generate(firm=firm, year=2025, month=2)
    assert again.line_count == 1 == again.lines.count()
    line = stmt.lines.get()
    line.net_amount = Decimal("0.01")
    with pytest.raises(ImmutableError):
        line.save()
    with pytest.raises(ImmutableError):
        stmt.save()
    with pytest.raises(ImmutableError):
        stmt.delete()


def test_r12_r21_statement_keeps_the_client_name_after_the_client_is_deleted(
    firm, in_firm, primary_admin, today_is
):
    """R12: past statements keep their lines for a deleted client, including a
    month in which the client left wholesale and was deleted before issue."""
    sub = _wholesale(firm, "essentials", name="Gone Ltd")
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    today_is(datetime.date(2025, 3, 16))
    services.subscription_remove_from_wholesale(firm=firm, subscription=sub, by=primary_admin)
    sub.client.delete()
    line = stmt.lines.get()
    assert line.client_id is None and line.client_name == "Gone Ltd"
    today_is(datetime.date(2025, 4, 1))
    march = billing_services.statement_generate(firm=firm, year=2025, month=3)
    [march_line] = march.lines.all()
    assert (march_line.client_name, march_line.days, march_line.client_id) == ("Gone Ltd", 15, None)


def test_r21_totals_per_currency(firm, in_firm):
    _wholesale(firm, "essentials", currency="EUR")
    _wholesale(firm, "essentials", currency="CAD")
    _wholesale(firm, "plus", currency="CAD")
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    totals = {t.currency: t for t in stmt.totals.all()}
    assert set(totals) == {"EUR", "CAD"}
    assert totals["CAD"].list_amount == Decimal("125.00")
    assert totals["CAD"].line_count == 2
    for currency, total in totals.items():
        lines = stmt.lines.filter(currency=currency)
        assert total.net_amount == sum(line.net_amount for line in lines)


def test_r21_a_month_is_issued_only_once_it_is_over(firm, in_firm):
    today = datetime.date.today()
    with pytest.raises(ValidationError):
        billing_services.statement_generate(firm=firm, year=today.year, month=today.month)


def test_r21_beat_runs_the_statement_task_for_every_firm(firm, other_firm):
    entry = settings.CELERY_BEAT_SCHEDULE["billing-monthly-statements"]
    assert entry["task"] == "billing.tasks.statements_generate_due"
    assert statements_generate_due() >= 2
    with scopes_disabled():
        year, month = billing_services.previous_month()
        assert Statement.objects.filter(firm=firm, month=datetime.date(year, month, 1)).exists()
    statements_generate_due()
    with scopes_disabled():
        assert Statement.objects.filter(firm=firm).count() == 1


def test_statement_page_and_csv_export(firm, primary_admin, client_for):
    with scope(firm=firm):
        _wholesale(firm, "essentials", name="=Formula Client")
        stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    c = client_for(primary_admin)
    page = c.get(reverse("billing:statement", args=[firm.slug, stmt.pk]))
    assert page.status_code == 200
    assert "Formula Client" in page.content.decode()
    listing = c.get(reverse("billing:statements", args=[firm.slug]))
    assert listing.status_code == 200
    response = c.get(reverse("billing:statement_csv", args=[firm.slug, stmt.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["Month", "Client number", "Company ID", "Client"]
    assert rows[1][0] == "2025-02"
    assert rows[1][3] == "'=Formula Client"
    assert rows[1][-1] == "19.60"
    assert rows[-1][3] == "Total" and rows[-1][-1] == "19.60"


def test_r2_statements_are_for_admins(firm, standard_member, admin_member, client_for):
    with scope(firm=firm):
        stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    pages = [
        reverse("billing:statement", args=[firm.slug, stmt.pk]),
        reverse("billing:statements", args=[firm.slug]),
    ]
    for url in pages:
        assert client_for(standard_member).get(url).status_code == 403, url
        assert client_for(admin_member).get(url).status_code == 200, url


def test_r2_a_forged_issue_post_by_a_standard_member_is_refused(
    firm, other_firm, standard_member, admin_member, client_for
):
    """R2: issuing a statement is refused in the view and in the service, not only
    hidden in the template."""
    response = client_for(standard_member).post(
        reverse("billing:statement_issue", args=[firm.slug])
    )
    assert response.status_code == 403
    with scope(firm=firm):
        assert not Statement.objects.exists()
        with pytest.raises(PermissionDenied):
            billing_services.statement_generate(firm=firm, year=2025, month=2, by=standard_member)
        with scopes_disabled():
            outsider = MembershipFactory(firm=other_firm, role="admin")
        with pytest.raises(PermissionDenied):
            billing_services.statement_generate(firm=firm, year=2025, month=2, by=outsider)
        assert not Statement.objects.exists()
        stmt = billing_services.statement_generate(firm=firm, year=2025, month=2, by=admin_member)
        assert stmt.firm_id == firm.pk


def test_r21_lines_sharing_periods_are_worked_out_once_and_stay_each_clients_own(
    firm, in_firm, primary_admin, today_is, monkeypatch
):
    """Subscriptions with the same product, currency, rate and dates share their
    amounts (worked out once per statement); each line keeps its own client, and a
    subscription that differs in any of them gets its own amounts."""
    with scopes_disabled():
        BillingProfileFactory(firm=firm)
    same = [_wholesale(firm, "essentials", name=f"Same {i}") for i in range(3)]
    later = _wholesale(firm, "essentials", start=datetime.date(2025, 2, 11), name="Later")
    other = _wholesale(firm, "plus", name="Plus")
    cad = _wholesale(firm, "essentials", name="Dollars", currency="CAD")
    worked = []
    original = billing_services._line_amounts

    def counting(rows, **kwargs):
        worked.append(rows[-1][0])
        return original(rows, **kwargs)

    monkeypatch.setattr(billing_services, "_line_amounts", counting)
    today_is(datetime.date(2025, 3, 1))
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    # Three essentials EUR subscriptions alike: one computation for all three.
    assert len(worked) == 4
    lines = {line.client_name: line for line in stmt.lines.all()}
    assert {lines[f"Same {i}"].client_id for i in range(3)} == {s.client_id for s in same}
    assert {lines[f"Same {i}"].subscription_ref for i in range(3)} == {s.pk for s in same}
    assert {lines[f"Same {i}"].net_amount for i in range(3)} == {Decimal("19.60")}
    # February 2025 has 28 days: 18 of them from the 11th.
    assert lines["Later"].days == 18 and lines["Later"].client_id == later.client_id
    assert lines["Later"].list_amount == (Decimal("28") * 18 / 28).quantize(Decimal("0.01"))
    assert lines["Plus"].net_amount == Decimal("29.40") and lines["Plus"].client_id == (
        other.client_id
    )
    assert lines["Dollars"].currency == "CAD" and lines["Dollars"].client_id == cad.client_id


def test_r21_a_firm_paid_discount_ending_mid_month_splits_the_line(firm, in_firm):
    """Essentials (28.00) at 30 % off until 15 February: 14 days at 19.60 a month,
    14 at list price."""
    sub = _wholesale(firm, "essentials")
    with scopes_disabled():
        sub.periods.update(discount_until=datetime.date(2025, 2, 15))
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    [line] = stmt.lines.all()
    assert (line.list_amount, line.net_amount) == (Decimal("28.00"), Decimal("23.80"))
    assert line.discount_amount == Decimal("4.20")
    assert [(p["days"], Decimal(p["rate"])) for p in line.detail] == [
        (14, Decimal("0.3")),
        (14, Decimal("0")),
    ]


def test_r21_a_plan_without_a_price_in_the_currency_stops_the_statement(firm, in_firm):
    _wholesale(firm, "essentials", currency="CAD")
    with scopes_disabled():
        product("essentials").prices.filter(currency="CAD").delete()
    with pytest.raises(ValidationError, match=r"No CAD price for Essentials: "):
        billing_services.statement_generate(firm=firm, year=2025, month=2)
    with scopes_disabled():
        assert not Statement.objects.filter(firm=firm).exists()


def test_r21_a_lines_product_label_names_each_plan_once_within_200_characters():
    def seg(label):
        return Segment(JAN, None, Decimal("1"), Decimal("0"), label=label)

    assert billing_services._label([seg("Plus"), seg("Plus"), seg("Advanced")]) == (
        "Plus → Advanced"
    )
    long = billing_services._label([seg("A" * 150), seg("B" * 150)])
    assert long == "A" * 150 + " → " + "B" * 47
    assert len(long) == 200


def test_r21_the_early_issue_refusal_and_another_firms_admin_are_told_why(
    firm, other_firm, in_firm
):
    today = datetime.date.today()
    with pytest.raises(ValidationError) as refused:
        billing_services.statement_generate(firm=firm, year=today.year, month=today.month)
    assert refused.value.messages == ["A month's statement is issued once the month is over."]
    with scopes_disabled():
        outsider = MembershipFactory(firm=other_firm, role="admin")
    with pytest.raises(PermissionDenied) as denied:
        billing_services.statement_generate(firm=firm, year=2025, month=2, by=outsider)
    assert str(denied.value) == "Only the firm's admins manage billing."


def test_r21_periods_recorded_out_of_order_are_billed_in_date_order(firm, in_firm):
    """A correction recorded after the upgrade: Essentials from 1 to 10 April, Plus
    from the 11th. The line names both in date order at the last plan's price."""
    sub = _wholesale(firm, "plus", name="Corrected")
    with scopes_disabled():
        plus = sub.periods.get()
        plus.starts_on = datetime.date(2025, 4, 11)
        plus.save()
        earlier = sub.periods.get()
        earlier.pk = None
        earlier.product = product("essentials")
        earlier.starts_on, earlier.ends_on = JAN, datetime.date(2025, 4, 11)
        earlier.save()
        assert earlier.pk > plus.pk
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=4)
    [line] = stmt.lines.all()
    assert line.product_label == "Essentials → Plus"
    assert line.monthly_list_price == Decimal("42.00")
    assert [p["days"] for p in line.detail] == [10, 20]


def test_r21_a_single_day_is_billed_and_a_period_of_no_days_is_left_out(firm, in_firm):
    none = _wholesale(firm, "essentials", name="Started and stopped")
    with scopes_disabled():
        none.periods.update(
            starts_on=datetime.date(2025, 2, 10), ends_on=datetime.date(2025, 2, 10)
        )
    _wholesale(firm, "essentials", name="Last day", start=datetime.date(2025, 2, 28))
    _wholesale(firm, "essentials", name="Whole month")
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    lines = {line.client_name: line for line in stmt.lines.all()}
    assert sorted(lines) == ["Last day", "Whole month"]
    assert (lines["Last day"].days, lines["Last day"].list_amount) == (1, Decimal("1.00"))
    # Each line is one part: the days it was billed.
    assert [p["days"] for p in lines["Last day"].detail] == [1]
    assert [p["days"] for p in lines["Whole month"].detail] == [28]
    assert stmt.line_count == 2


def test_r1_r21_a_statement_reads_only_its_firms_periods_under_current_names(firm, other_firm):
    """Outside any scope (as the beat task starts), each firm's statement holds its
    own subscriptions, named as the clients are named now."""
    renamed = _wholesale(firm, "essentials", name="Old name")
    _wholesale(other_firm, "plus", name="Other firm's client")
    with scopes_disabled():
        renamed.client.display_name = "New name"
        renamed.client.save()
        theirs = billing_services.statement_generate(firm=other_firm, year=2025, month=2)
        ours = billing_services.statement_generate(firm=firm, year=2025, month=2)
        assert ours.pk != theirs.pk
        assert ours.firm_id == firm.pk
        assert [line.client_name for line in ours.lines.all()] == ["New name"]
        assert [line.client_name for line in theirs.lines.all()] == ["Other firm's client"]


def _issued(firm):
    with scopes_disabled():
        return [
            (e.actor, e.target_type, e.target_id, e.target_label, e.changes)
            for e in ActivityEvent.objects.filter(firm=firm, verb="statement.issued").order_by("pk")
        ]


def test_r21_issuing_a_statement_is_logged_with_who_and_the_net_totals(
    firm, in_firm, primary_admin
):
    _wholesale(firm, "essentials")
    _wholesale(firm, "plus", currency="CAD")
    early = billing_services.statement_generate(firm=firm, year=2025, month=2, by=primary_admin)
    scheduled = billing_services.statement_generate(firm=firm, year=2025, month=3)
    assert _issued(firm) == [
        (primary_admin.user, "statement", early.pk, "2025-02", {"CAD": "52.50", "EUR": "19.60"}),
        (None, "statement", scheduled.pk, "2025-03", {"CAD": "52.50", "EUR": "19.60"}),
    ]


def test_r21_a_concurrent_run_that_issued_the_month_first_wins(firm, other_firm, monkeypatch):
    """The other run writes February's statement after this one looked for it: this
    one's insert fails, writes nothing, and answers with the statement that exists."""
    _wholesale(firm, "essentials")
    first_of_february = datetime.date(2025, 2, 1)
    real_load = billing_services.Schedule.load
    competitor = []

    def racing_load():
        if not competitor:
            competitor.append(Statement.objects.create(firm=firm, month=first_of_february))
        return real_load()

    with scopes_disabled():
        billing_services.statement_generate(firm=firm, year=2025, month=1)
        billing_services.statement_generate(firm=other_firm, year=2025, month=2)
        monkeypatch.setattr(billing_services.Schedule, "load", racing_load)
        result = billing_services.statement_generate(firm=firm, year=2025, month=2)
        assert result == competitor[0]
        assert result.lines.count() == 0
    assert [label for *_, label, _changes in _issued(firm)] == ["2025-01"]


def test_r21_lines_keep_names_with_tabs_backslashes_and_line_breaks_as_typed(firm, in_firm):
    """The lines are written with COPY on PostgreSQL: what its text format treats
    as separators or escapes is kept as typed, and a deleted client's empty key
    stays empty."""
    odd = "Dupont\tfils \\ associés\nLyon\r\\N"
    sub = _wholesale(firm, "essentials", name=odd)
    plain = _wholesale(firm, "essentials", name="Plain")
    with scopes_disabled():
        sub.client.__class__.objects.filter(pk=sub.client_id).update(
            client_number="C\\1\t2", company_id="\\N"
        )
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    lines = {line.subscription_ref: line for line in stmt.lines.all()}
    assert (lines[sub.pk].client_name, lines[sub.pk].client_number) == (odd, "C\\1\t2")
    assert lines[sub.pk].company_id == "\\N" and lines[sub.pk].client_id == sub.client_id
    assert lines[plain.pk].client_name == "Plain" and lines[plain.pk].client_id == plain.client_id
    assert lines[sub.pk].detail == lines[plain.pk].detail != []
    assert lines[sub.pk].net_amount == Decimal("19.60")
