"""Statements a firm can recompute by hand (R36) with prices and discount terms
that change from a date (R37)."""

import datetime
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from hypothesis import given
from hypothesis import strategies as st

from billing import services as billing_services
from billing.documents import statement_csv_rows
from billing.parts import line_parts
from clients.models import BillingChoice
from subscriptions import services
from subscriptions.models import DiscountPolicy, Price
from subscriptions.pricing import Segment, charge_for_month, month_bounds
from tests.clients.factories import ClientFactory
from tests.practice.factories import BillingProfileFactory
from tests.subscriptions.factories import SubscriptionFactory, product

JAN = datetime.date(2025, 1, 1)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)
months = st.tuples(st.integers(2020, 2030), st.integers(1, 12))


@st.composite
def month_segments(draw):
    """A month cut into 1-5 contiguous runs, each at its own price and rate, some
    with a discount ending inside."""
    year, month = draw(months)
    first, next_first = month_bounds(year, month)
    days = (next_first - first).days
    cuts = sorted(set(draw(st.lists(st.integers(1, days - 1), max_size=4))))
    bounds = [0, *cuts, days]
    start_gap = draw(st.integers(0, 3))
    segments = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        until = draw(st.one_of(st.none(), st.integers(lo, hi)))
        segments.append(
            Segment(
                first + datetime.timedelta(days=max(lo, start_gap if lo == 0 else lo)),
                first + datetime.timedelta(days=hi),
                draw(prices),
                draw(rates),
                None if until is None else first + datetime.timedelta(days=until),
                label=draw(st.sampled_from(["Essentials", "Plus", "Time"])),
            )
        )
    return year, month, segments


@given(month_segments())
def test_r36_each_lines_parts_add_up_to_the_line(case):
    year, month, segments = case
    amounts = charge_for_month(segments, year, month)
    parts = line_parts(amounts)
    assert sum(p.days for p in parts) == amounts.days
    assert sum(p.list_amount for p in parts) == amounts.list_amount
    assert sum(p.net_amount for p in parts) == amounts.net_amount
    assert sum(p.discount_amount for p in parts) == amounts.discount_amount
    for part in parts:
        assert part.list_amount - part.discount_amount == part.net_amount
        assert Decimal("0") <= part.net_amount <= part.list_amount
        # each part is its own figure, to within a cent: price × days ÷ days in month
        exact = part.monthly_list * part.days / amounts.days_in_month
        assert abs(part.list_amount - exact) < Decimal("0.01")
        # the net may take a second cent in rare ties where a part's net would
        # otherwise exceed its list amount
        assert abs(part.net_amount - exact * (1 - part.rate)) < Decimal("0.02")


def _wholesale(firm, code="essentials", start=JAN, name=None):
    with scopes_disabled():
        client = ClientFactory(
            firm=firm,
            initial_billing=BillingChoice.WHOLESALE,
            **({"display_name": name} if name else {}),
        )
        return SubscriptionFactory(client=client, product=product(code), start_date=start)


def _price_from(code: str, amount: str, on: datetime.date, currency="EUR") -> Price:
    """A scheduled price, written directly (the admin only takes future dates)."""
    return Price.objects.create(
        product=product(code), currency=currency, monthly_amount=Decimal(amount), effective_from=on
    )


def _terms_from(wholesale: str, on: datetime.date) -> DiscountPolicy:
    current = DiscountPolicy.current()
    return DiscountPolicy.objects.create(
        wholesale_rate=Decimal(wholesale),
        direct_rate=current.direct_rate,
        direct_months=current.direct_months,
        effective_from=on,
    )


def _line_figures(statement):
    return [
        (
            line.client_name,
            line.list_amount,
            line.discount_amount,
            line.net_amount,
            line.days,
            line.detail,
        )
        for line in statement.lines.order_by("subscription_ref")
    ]


@pytest.mark.django_db
def test_r37_a_price_change_mid_month_splits_the_line_at_its_effective_date(firm, in_firm):
    """Essentials goes from 28.00 to 31.00 EUR on 15 February: 14 days at each
    price, each part at 30 % off, and the line is the two parts."""
    _wholesale(firm, "essentials", name="Boulangerie Petit")
    _price_from("essentials", "31.00", datetime.date(2025, 2, 15))
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    [line] = stmt.lines.all()
    assert [(p["from"], p["to"], p["days"], p["monthly_list"]) for p in line.detail] == [
        ("2025-02-01", "2025-02-14", 14, "28.00"),
        ("2025-02-15", "2025-02-28", 14, "31.00"),
    ]
    assert [p["list"] for p in line.detail] == ["14.00", "15.50"]
    assert [p["net"] for p in line.detail] == ["9.80", "10.85"]
    assert (line.list_amount, line.net_amount) == (Decimal("29.50"), Decimal("20.65"))
    assert line.monthly_list_price == Decimal("31.00")
    march = billing_services.statement_generate(firm=firm, year=2025, month=3)
    assert march.lines.get().net_amount == Decimal("21.70")  # 31.00 × 0.7


@pytest.mark.django_db
def test_r37_new_terms_reprice_running_subscriptions_from_their_date_not_new_ones(
    firm, in_firm, today_is
):
    """Wholesale terms of 25 % from 11 March: a subscription running since January
    is billed 10 days at 30 % and 21 at 25 %; one that starts in April takes 25 %."""
    running = _wholesale(firm, "plus", name="Since January")
    _terms_from("0.25", datetime.date(2025, 3, 11))
    today_is(datetime.date(2025, 4, 1))
    assert DiscountPolicy.current().wholesale_rate == Decimal("0.25")
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=3)
    [line] = stmt.lines.all()
    assert [(p["days"], p["rate"]) for p in line.detail] == [(10, "0.3000"), (21, "0.2500")]
    assert line.net_amount == Decimal("30.82")  # 42 × (10 × 0.70 + 21 × 0.75) ÷ 31
    with scopes_disabled():
        client = ClientFactory(
            firm=firm, initial_billing=BillingChoice.WHOLESALE, initial_plan_code="plus"
        )
    created = services.subscriptions_on_client_created(firm=firm, client=client, by=None)
    assert created.discount_rate == Decimal("0.25")
    running.refresh_from_db()
    assert running.discount_rate == Decimal("0.3000")  # its own rate is kept as issued


@pytest.mark.django_db
def test_r37_issued_statements_never_change_after_price_and_rate_changes(firm, in_firm):
    _wholesale(firm, "essentials", name="A")
    _wholesale(firm, "advanced", name="B")
    january = billing_services.statement_generate(firm=firm, year=2025, month=1)
    before = _line_figures(january)
    totals = list(january.totals.values_list("currency", "net_amount"))
    # Changes dated inside January itself, as a careless edit would do.
    _price_from("essentials", "99.00", datetime.date(2025, 1, 10))
    _terms_from("0.05", datetime.date(2025, 1, 5))
    again = billing_services.statement_generate(firm=firm, year=2025, month=1)
    assert again.pk == january.pk
    assert _line_figures(again) == before
    assert list(again.totals.values_list("currency", "net_amount")) == totals
    # A month issued after the changes uses them, so they did take effect.
    february = billing_services.statement_generate(firm=firm, year=2025, month=2)
    assert february.lines.get(client_name="A").net_amount == Decimal("94.05")  # 99 × 0.95


@pytest.mark.django_db
def test_r36_summary_counts_clients_added_removed_transferred_and_discounts(
    firm, in_firm, primary_admin, today_is
):
    with scopes_disabled():
        BillingProfileFactory(firm=firm)
    _wholesale(firm, "essentials", name="Old Hand")
    leaver = _wholesale(firm, "plus", name="Leaver")
    _wholesale(firm, "essentials", start=datetime.date(2025, 2, 10), name="Newcomer")
    _terms_from("0.20", datetime.date(2025, 2, 20))
    today_is(datetime.date(2025, 2, 12))
    services.subscription_remove_from_wholesale(firm=firm, subscription=leaver, by=primary_admin)
    today_is(datetime.date(2025, 3, 1))
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    summary = stmt.summary
    assert (summary["clients"], summary["subscriptions"]) == (3, 3)
    assert [c["name"] for c in summary["added"]["items"]] == ["Newcomer"]
    assert [c["name"] for c in summary["removed"]["items"]] == ["Leaver"]
    assert summary["transferred"]["count"] == 0
    assert sorted(d["name"] for d in summary["discounts"]["items"]) == ["Newcomer", "Old Hand"]
    assert {d["to"] for d in summary["discounts"]["items"]} == {"0.2000"}


@pytest.mark.django_db
def test_r36_csv_has_one_row_per_part_with_the_issue_columns(firm, in_firm, primary_admin):
    sub = _wholesale(firm, "essentials", name="Atelier Roux")
    with scopes_disabled():
        sub.client.client_number = "C-042"
        sub.client.save(update_fields=["client_number"])
    _price_from("essentials", "31.00", datetime.date(2025, 2, 15))
    stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
    rows = list(statement_csv_rows(statement=stmt))
    parts, total = rows[:-1], rows[-1]
    assert len(parts) == 2
    first = parts[0]
    assert first[:8] == [
        "2025-02",
        "C-042",
        sub.client.company_id,
        "Atelier Roux",
        "no",
        sub.pk,
        "Essentials",
        "Plan",
    ]
    assert first[8:] == [
        "2025-02-01",
        "2025-02-14",
        14,
        28,
        "EUR",
        Decimal("28.00"),
        "30.00",
        Decimal("14.00"),
        Decimal("4.20"),
        Decimal("9.80"),
    ]
    assert sum(r[-1] for r in parts) == total[-1] == stmt.totals.get().net_amount


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _embedded_fonts(content: bytes) -> set[str]:
    import io

    from pypdf import PdfReader

    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target["/FontDescriptor"].get_object()
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    return fonts


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_r36_page_csv_and_pdf_carry_the_same_figures(
    firm, primary_admin, client_for, today_is, language
):
    """The page, the CSV and the PDF show every part's net and every total; the
    PDF is rendered from the same parts as the page, its fonts embedded."""
    import csv
    import io
    import re

    from django.urls import reverse
    from django_scopes import scope

    from billing.pdf import statement_pdf_context
    from practice.templatetags.money import format_money

    with scope(firm=firm):
        with scopes_disabled():
            BillingProfileFactory(firm=firm)
        _wholesale(firm, "essentials", name="Boulangerie Petit")
        upgraded = _wholesale(firm, "essentials", name="Atelier Roux")
        _wholesale(firm, "advanced", name="Zinc & Fils")
        _price_from("essentials", "31.00", datetime.date(2025, 2, 15))
        today_is(datetime.date(2025, 2, 20))
        services.subscription_change_plan(
            firm=firm,
            subscription=upgraded,
            product=product("plus"),
            direction="upgrade",
            by=primary_admin,
        )
        today_is(datetime.date(2025, 3, 3))
        stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
        csv_parts = list(statement_csv_rows(statement=stmt))[:-1]
        context_parts = [
            (line.subscription_ref, part.net_amount)
            for block in statement_pdf_context(statement=stmt)["blocks"]
            for line in block.lines
            for part in line.parts
        ]
        totals = list(stmt.totals.all())
    assert [(r[5], r[-1]) for r in csv_parts] == context_parts
    assert len(context_parts) == 6  # upgraded: 3 parts; price change: 2; Advanced: 1
    c = client_for(primary_admin)
    c.cookies["django_language"] = language
    headers = {"Accept-Language": language}
    page = c.get(reverse("billing:statement", args=[firm.slug, stmt.pk]), headers=headers)
    html = page.content.decode()
    page_nets = re.findall(r'data-field="net">([^<]+)<', html)
    with __import__("django.utils.translation", fromlist=["override"]).override(language):
        expected = [format_money(net, "EUR") for _ref, net in context_parts]
        expected_totals = [format_money(t.net_amount, t.currency) for t in totals]
    assert page_nets == expected
    for total in expected_totals:
        assert total in html
    response = c.get(reverse("billing:statement_pdf", args=[firm.slug, stmt.pk]), headers=headers)
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content).replace("\u202f", " ").replace("\xa0", " ")
    position = 0
    for amount in expected:
        found = text.find(amount.replace("\u202f", " ").replace("\xa0", " "), position)
        assert found >= 0, amount
        position = found
    for total in expected_totals:
        assert total.replace("\u202f", " ").replace("\xa0", " ") in text
    assert ("Relevé" in text) == (language == "fr")
    assert any("DejaVu" in name for name in _embedded_fonts(response.content))
    body = b"".join(
        c.get(
            reverse("billing:statement_csv", args=[firm.slug, stmt.pk]), headers=headers
        ).streaming_content
    ).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";" if language == "fr" else ","))
    assert [row[-1] for row in rows[1:-1]] == [str(net) for _ref, net in context_parts]
