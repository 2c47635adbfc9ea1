"""`{{ amount|money:currency }}`: a Decimal as money in the active language.

Locale choice: the active language gives the number conventions and the
currency picks the territory, so Canadian dollars read as they do in Canada:
fr → fr_CA for CAD, fr_FR otherwise; en → en_CA for CAD, en_US otherwise.
  1234.5 EUR in fr: "1 234,50 €"    in en: "€1,234.50"
  1234.5 CAD in fr: "1 234,50 $"    in en: "$1,234.50"
Put the value in a `.money` cell or span to right-align it in tables."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language

register = template.Library()

_TERRITORY_BY_CURRENCY = {"CAD": "CA"}
_DEFAULT_TERRITORY = {"fr": "FR", "en": "US"}


def money_locale(language: str | None, currency: str) -> str:
    lang = (language or "en").split("-")[0].split("_")[0].lower()
    if lang not in _DEFAULT_TERRITORY:
        lang = "en"
    territory = _TERRITORY_BY_CURRENCY.get(currency.upper(), _DEFAULT_TERRITORY[lang])
    return f"{lang}_{territory}"


def format_money(amount, currency: str, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        return ""
    currency = (currency or "EUR").upper()
    return format_currency(
        value, currency, locale=money_locale(language or get_language(), currency)
    )


@register.filter
def money(amount, currency="EUR"):
    return format_money(amount, currency)
