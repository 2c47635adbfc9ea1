"""What the schemas of every resource share."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import ConfigDict

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Input(Schema):
    """A request body: unknown members are refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


class Member(Schema):
    id: int
    name: str
    email: str


def email_or_blank(value: str) -> str:
    """An e-mail address as the pages accept it, or empty."""
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError("Enter a valid e-mail address.") from None
    return value
