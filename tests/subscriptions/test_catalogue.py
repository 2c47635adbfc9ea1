from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from subscriptions import selectors
from subscriptions.models import DiscountPolicy, Price, Product, ProductFamily, ProductKind

pytestmark = pytest.mark.django_db


def test_r14_catalogue_is_data_with_tiers_limits_features_and_prices():
    """R14: plans in tiers Simple Start < Essentials < Plus < Advanced, plus
    Self-Employed and Ledger; add-ons Payroll and Time; user limits, features
    and prices per currency all come from the database."""
    online = list(
        Product.objects.filter(family=ProductFamily.ONLINE)
        .order_by("tier")
        .values_list("name", flat=True)
    )
    assert online == ["Simple Start", "Essentials", "Plus", "Advanced"]
    assert Product.objects.filter(code="self_employed", kind=ProductKind.PLAN).exists()
    assert Product.objects.filter(code="ledger", family=ProductFamily.LEDGER).exists()
    assert set(Product.objects.filter(kind=ProductKind.ADDON).values_list("name", flat=True)) == {
        "Payroll",
        "Time",
    }
    limits = dict(Product.objects.filter(family="online").values_list("code", "user_limit"))
    assert limits == {"simple_start": 1, "essentials": 3, "plus": 5, "advanced": 25}
    plus = Product.objects.get(code="plus")
    essentials = Product.objects.get(code="essentials")
    assert plus.features.filter(code="multicurrency").exists()
    assert not essentials.features.filter(code="multicurrency").exists()
    for p in Product.objects.all():
        assert set(p.prices.values_list("currency", flat=True)) == {"EUR", "CAD", "USD"}
    assert isinstance(Price.objects.first().monthly_amount, Decimal)


def test_r15_discount_terms_are_data():
    policy = DiscountPolicy.current()
    assert policy.pk is not None
    assert policy.direct_months == 12
    assert Decimal("0") < policy.wholesale_rate < Decimal("1")
    assert Decimal("0") < policy.direct_rate < Decimal("1")


def test_r14_catalogue_is_editable_in_the_admin(client, django_user_model):
    for model in (Product, DiscountPolicy):
        assert admin.site.is_registered(model)
    staff = django_user_model.objects.create_superuser(email="root@example.test", password="x")
    client.force_login(staff)
    plus = Product.objects.get(code="plus")
    response = client.get(reverse("admin:subscriptions_product_change", args=[plus.pk]))
    assert response.status_code == 200
    assert b"monthly_amount" in response.content


def test_plan_choices_for_new_client_lists_plans_with_firm_currency_prices(firm):
    choices = dict(selectors.plan_choices_for_new_client(firm=firm))
    assert set(choices) == {
        "ledger",
        "simple_start",
        "essentials",
        "plus",
        "advanced",
        "self_employed",
    }
    assert "Essentials" in choices["essentials"]
    assert "28" in choices["essentials"]  # EUR list price of the firm's currency


def test_compare_shows_plans_side_by_side_page_and_htmx_partial(client_for, primary_admin):
    c = client_for(primary_admin)
    url = reverse("subscriptions:compare", kwargs={"firm_slug": primary_admin.firm.slug})
    page = c.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("Simple Start", "Essentials", "Plus", "Advanced", "Self-Employed", "Ledger"):
        assert name in body
    assert "Multicurrency" in body
    assert "<html" in body
    partial = c.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert 'id="plan-comparison"' in partial.content.decode()


def test_r37_prices_and_terms_are_scheduled_from_a_future_date_and_rows_in_force_stay(
    client, django_user_model, today_is
):
    """R37: the admin adds a price or terms from a future date; a row in force is
    read-only there and refused by the model's validation."""
    import datetime

    from django.core.exceptions import ValidationError

    today_is(datetime.date(2025, 6, 10))
    essentials = Product.objects.get(code="essentials")
    past = Price(
        product=essentials,
        currency="EUR",
        monthly_amount=Decimal("30"),
        effective_from=datetime.date(2025, 6, 10),
    )
    with pytest.raises(ValidationError, match="future date"):
        past.full_clean()
    future = Price(
        product=essentials,
        currency="EUR",
        monthly_amount=Decimal("30"),
        effective_from=datetime.date(2025, 6, 11),
    )
    future.full_clean()
    future.save()
    in_force = Price.objects.get(
        product=essentials, currency="EUR", effective_from__lte=datetime.date(2025, 6, 10)
    )
    in_force.monthly_amount = Decimal("1")
    with pytest.raises(ValidationError, match="in force"):
        in_force.full_clean()
    staff = django_user_model.objects.create_superuser(email="root@example.test", password="x")
    client.force_login(staff)
    assert (
        client.get(reverse("admin:subscriptions_price_change", args=[in_force.pk])).status_code
        == 200
    )
    refused = client.post(
        reverse("admin:subscriptions_price_change", args=[in_force.pk]),
        {
            "product": essentials.pk,
            "currency": "EUR",
            "monthly_amount": "1",
            "effective_from": "2000-01-01",
        },
    )
    assert refused.status_code == 403
    in_force.refresh_from_db()
    assert in_force.monthly_amount == Decimal("28.00")
    assert selectors.price_of(essentials, "EUR") == Decimal("28.00")
    today_is(datetime.date(2025, 6, 11))
    assert selectors.price_of(essentials, "EUR") == Decimal("30.00")
    terms = DiscountPolicy(
        wholesale_rate=Decimal("0.2"),
        direct_rate=Decimal("0.4"),
        effective_from=datetime.date(2025, 6, 1),
    )
    with pytest.raises(ValidationError, match="future date"):
        terms.full_clean()
