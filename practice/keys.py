"""Row ids as they arrive from outside, in addresses and in posted forms.

Every table's key is a bigint: an id past it can only be a forged one, and
SQLite refuses to even be asked about it (OverflowError), where PostgreSQL
would answer nothing. Such ids are turned away before any query: an address
holding one matches no page (404, like a missing row), a multiple choice refuses
it as an invalid value (its field's own message), and `is_key` leaves a posted
one out of the choices."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models

LARGEST_KEY = 2**63 - 1


def is_key(value) -> bool:
    """Whether a posted value reads as a row id a table could hold."""
    text = str(value).strip()
    # The length first: int() refuses more than 4,300 digits (ValueError).
    return len(text) <= len(str(LARGEST_KEY)) and text.isdecimal() and int(text) <= LARGEST_KEY


class IdConverter:
    """`<id:name>` in a URL pattern: a row id, 0 to LARGEST_KEY (`<int:...>`
    matches any number of digits)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_KEY:
            raise ValueError("past any key")  # no match: 404
        return number

    def to_url(self, value) -> str:
        try:
            number = int(value)
        except TypeError:
            raise ValueError(f"not an id: {value!r}") from None
        if not 0 <= number <= LARGEST_KEY:
            raise ValueError("past any key")  # reverse() answers NoReverseMatch
        return str(number)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an integer key out of its column's range as an invalid
    value before it reaches the query (where SQLite raises OverflowError)."""

    def _check_values(self, value):
        model = self.queryset.model
        key = model._meta.get_field(self.to_field_name) if self.to_field_name else model._meta.pk
        if isinstance(key, models.IntegerField):
            low, high = connections[self.queryset.db].ops.integer_field_range(
                key.get_internal_type()
            )
            for pk in value:  # a list: clean() refuses anything else first
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # Django's own check refuses it
                if (low is not None and number < low) or (high is not None and number > high):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
