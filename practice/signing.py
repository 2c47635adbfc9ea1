"""Every signed link of the product: team, portal, accountant and Time-admin
invitations. One token format, one error type.

A token carries the object's id and a nonce kept on the object, so sending a
link again makes earlier ones stop working. Reading a token only proves it is
ours and unexpired; each caller then checks the object it names."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _


class LinkError(Exception):
    """A signed link that can't be used; the message is for the person holding it."""


def link_token(*, salt: str, key: str, pk: int, nonce: str) -> str:
    return signing.dumps({key: pk, "n": nonce}, salt=salt, compress=True)


def link_url(url_name: str, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(url_name, args=[token])


def link_read(token: str, *, salt: str, key: str, max_age: float, expired: str) -> tuple:
    """The (pk, nonce) a token carries, or LinkError: `expired` is the message
    for a link past `max_age` seconds."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(expired) from None
    except signing.BadSignature:
        raise LinkError(_("This invitation link is not valid.")) from None
    if not isinstance(data, dict):
        raise LinkError(_("This invitation link is not valid."))
    return data.get(key), str(data.get("n", ""))


def superseded() -> LinkError:
    return LinkError(_("This invitation link is no longer valid. A newer one may have been sent."))


def invitation_max_age() -> int:
    """Seconds a team, portal or accountant invitation link stays valid."""
    return settings.INVITATION_MAX_AGE_DAYS * 24 * 3600
