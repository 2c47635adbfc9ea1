"""Money in the active language's conventions, right-aligned by the .money class."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from practice.templatetags.money import format_money, money_locale

NBSP, NNBSP = "\u00a0", "\u202f"


def render(template: str, **context) -> str:
    return Template("{% load money %}" + template).render(Context(context))


def test_money_in_french():
    with translation.override("fr"):
        out = render("{{ amount|money:'EUR' }}", amount=Decimal("1234.5"))
    assert out == f"1{NNBSP}234,50{NBSP}€"


def test_money_in_english():
    with translation.override("en"):
        out = render("{{ amount|money:'EUR' }}", amount=Decimal("1234.5"))
    assert out == "€1,234.50"


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("fr", "CAD", f"1{NBSP}234,50{NBSP}$"),
        ("en", "CAD", "$1,234.50"),
        ("en", "USD", "$1,234.50"),
        ("fr", "EUR", f"-0,50{NBSP}€"),
    ],
)
def test_money_locale_follows_language_and_currency(language, currency, expected):
    amount = Decimal("-0.5") if expected.startswith("-") else Decimal("1234.50")
    assert format_money(amount, currency, language) == expected


def test_money_locale_choice():
    assert money_locale("fr", "EUR") == "fr_FR"
    assert money_locale("fr", "CAD") == "fr_CA"
    assert money_locale("en", "EUR") == "en_US"
    assert money_locale("en", "CAD") == "en_CA"
    assert money_locale("de", "EUR") == "en_US"


def test_empty_amounts_render_nothing():
    assert render("{{ amount|money:'EUR' }}", amount=None) == ""
    assert format_money("", "EUR") == ""


def test_amounts_keep_their_cents_exactly():
    with translation.override("en"):
        assert format_money(Decimal("0.10") + Decimal("0.20"), "EUR") == "€0.30"
