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
