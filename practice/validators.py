import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Runs of 13 to 19 digits, optionally grouped by spaces or dashes.
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,}")


def _luhn_sum(digits: str, *, doubled: int) -> int:
    """The Luhn sum of `digits`, doubling every other digit from the right,
    starting at index `doubled` (0: the last digit, 1: the one before it)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == doubled:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Luhn check digit of the others."""
    return _luhn_sum(digits, doubled=1) % 10 == 0


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to `digits`."""
    return (10 - _luhn_sum(digits, doubled=0) % 10) % 10


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
