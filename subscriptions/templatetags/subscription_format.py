from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def percent(rate):
    """0.3000 -> "30 %" with the reader's decimal separator."""
    if rate is None:
        return "—"
    return (
        format_decimal(Decimal(rate) * 100, format="0.##", locale=to_locale(get_language() or "en"))
        + " %"
    )
