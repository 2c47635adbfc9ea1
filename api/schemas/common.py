"""What the schemas of every resource share."""

import datetime
import re
from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict

DEFAULT_LIMIT = 500
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


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value):
    """A day as YYYY-MM-DD only (pydantic alone would read 0 as 1 January 1970)."""
    if isinstance(value, datetime.date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("Enter a date as YYYY-MM-DD.")


Day = Annotated[datetime.date, BeforeValidator(_iso_day)]
