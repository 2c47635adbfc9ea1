from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


def format_money(amount: Decimal | None, currency: str) -> str:
    """Amount with its currency, in the reader's locale (1 234,50 € / €1,234.50)."""
    if amount is None:
        return "—"
    return format_currency(amount, currency, locale=_locale())


@register.filter
def money(amount, currency):
    return format_money(amount, currency)


@register.filter
def amount(value):
    """A decimal with two places in the reader's locale, without currency."""
    if value is None:
        return "—"
    return format_decimal(Decimal(value), format="#,##0.00", locale=_locale())


@register.filter
def percent(rate):
    """0.3000 -> 30 % in the reader's locale."""
    if rate is None:
        return "—"
    return format_decimal(Decimal(rate) * 100, format="0.##", locale=_locale()) + " %"
