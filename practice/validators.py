import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Runs of 13 to 19 digits, optionally grouped by spaces or dashes.
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def looks_like_card_number(value: str) -> bool:
    """True when `value` holds a run of 13 to 19 digits passing the Luhn check
    (spaces or dashes between digits allowed): the shape of a payment card number.
    Longer runs, such as an IBAN's, are not cards."""
    for match in _DIGIT_RUN.finditer(value or ""):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def validate_not_card_number(value: str) -> None:
    """R3: the payment method on file is a label or a reference, never a card number."""
    if looks_like_card_number(value):
        raise ValidationError(
            _(
                "Never enter a card number here. Use a label such as “Visa ending 4242” "
                "or a mandate reference."
            ),
            code="card_number",
        )
