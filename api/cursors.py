"""Opaque, signed page cursors. A cursor carries where the last page ended and
the query it belongs to; one that was altered, or is used with other filters or
another sort, is refused with 400."""

from django.core import signing
from django.utils.translation import gettext as _

from api.problems import ApiProblem

SALT = "api.v1.cursor"


def cursor_dump(*, query: dict, position) -> str:
    return signing.dumps({"q": query, "p": position}, salt=SALT, compress=True)


def cursor_load(token: str, *, query: dict):
    """The position a cursor carries, or ApiProblem(400) when it was not made by
    this API for the same query."""
    try:
        data = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        data = None
    if not isinstance(data, dict) or data.get("q") != query or "p" not in data:
        raise ApiProblem(
            400,
            _("This cursor is not valid for this list. Start again without a cursor."),
            code="invalid_cursor",
        )
    return data["p"]
