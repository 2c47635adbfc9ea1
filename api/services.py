"""Writes for API tokens: create (the secret is returned once) and revoke.
Both are recorded in the firm's activity log."""

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from api.models import ApiToken, TokenScope
from practice import clock
from practice.activity import activity_record
from practice.models import Firm, Membership

TOKEN_START = "ldg_"
# Days a token may live; the form offers these.
EXPIRY_DAYS = (7, 30, 90, 180, 365)
MAX_ACTIVE_TOKENS = 20


def token_digest(token: str) -> str:
    """The stored form of a token. The secret part has 256 random bits, so a
    fast hash is enough: nobody can search that space."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def api_token_create(
    *, firm: Firm, by: Membership, name: str, scope: str, expires_in_days: int
) -> tuple[ApiToken, str]:
    """A new token of `by` in `firm`: the row and the token itself, which is
    not stored and can't be shown again."""
    if by.firm_id != firm.pk or not by.is_active:
        raise PermissionDenied(_("Only the firm's team can create API tokens."))
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, such as the tool that will use it.")
    elif len(name) > 100:
        errors["name"] = _("A token name has at most 100 characters.")
    if scope not in TokenScope.values:
        errors["scope"] = _("Choose read only, or read and write.")
    if expires_in_days not in EXPIRY_DAYS:
        errors["expires_in_days"] = _("Choose when the token expires.")
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    active = ApiToken.objects.filter(
        firm=firm, membership=by, revoked_at__isnull=True, expires_at__gt=now
    ).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)d active tokens, the most allowed. Revoke one first.")
            % {"count": active}
        )
    prefix, token = _new_token()
    api_token = ApiToken.objects.create(
        firm=firm,
        membership=by,
        name=name,
        scope=scope,
        prefix=prefix,
        digest=token_digest(token),
        created_at=now,
        expires_at=now + datetime.timedelta(days=expires_in_days),
    )
    activity_record(
        firm=firm,
        by=by.user,
        verb="api_token.created",
        target=api_token,
        changes={
            "scope": [None, scope],
            "expires_at": [None, api_token.expires_at.date().isoformat()],
        },
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, firm: Firm, token: ApiToken, by: Membership) -> ApiToken:
    """Stop a token at once. Its owner or one of the firm's admins may."""
    if by.firm_id != firm.pk or (token.membership_id != by.pk and not by.is_admin):
        raise PermissionDenied(_("Only the token's owner or the firm's admins can revoke it."))
    current = ApiToken.objects.select_for_update(of=("self",)).get(firm=firm, pk=token.pk)
    if current.revoked_at is not None:
        return current
    current.revoked_at = clock.now()
    current.revoked_by = by.user
    current.save(update_fields=["revoked_at", "revoked_by"])
    changes = {}
    if current.membership_id != by.pk:
        changes["member"] = str(current.membership.user)
    activity_record(
        firm=firm, by=by.user, verb="api_token.revoked", target=current, changes=changes
    )
    return current


def api_token_touch(token: ApiToken) -> None:
    """Note that the token was used: at most once a minute, so reads stay reads."""
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
