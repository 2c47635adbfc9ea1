"""Reads for API tokens: a member's own, the firm's (admins), one by id, and the
token a request presents."""

import hmac
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from api.models import ApiToken
from api.services import TOKEN_START, token_digest
from practice.models import Firm, Membership
from practice.tenancy import get_in_firm_or_404


def api_tokens_of_member(*, membership: Membership) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(firm=membership.firm_id, membership=membership).order_by(
        "-created_at", "-id"
    )


def api_tokens_of_firm(*, firm: Firm) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(firm=firm)
        .select_related("membership__user", "revoked_by")
        .order_by("-created_at", "-id")
    )


def access_api_token_by_id(*, membership: Membership, token_id) -> ApiToken:
    """One token the member may manage (their own; any of the firm's for admins),
    or Http404 as for a missing one."""
    token = get_in_firm_or_404(
        ApiToken.objects.select_related("membership__user"), firm=membership.firm_id, pk=token_id
    )
    if token.membership_id != membership.pk and not membership.is_admin:
        raise Http404("No such object.")
    return token


@dataclass(frozen=True)
class Presented:
    """What became of the token a request presented: the token when it may be
    used, else why not (`reason`: missing, invalid, expired, revoked, inactive)."""

    token: ApiToken | None
    reason: str = ""


def api_token_presented(raw: str) -> Presented:
    """Look up a presented token (outside any firm scope: the token names the firm).

    The prefix finds the row; the digest of the whole token is compared in
    constant time before anything about the row is told. A token stops at once
    when it is revoked, expires, or its member or their account is deactivated."""
    raw = (raw or "").strip()
    if not raw:
        return Presented(None, "missing")
    if not raw.startswith(TOKEN_START) or len(raw) > 200:
        return Presented(None, "invalid")
    prefix = raw[len(TOKEN_START) :].split("_", 1)[0]
    # The prefix is unique within a firm (a table distributed by firm can't promise
    # more); two firms' tokens sharing one, 12 random hex digits, is left to the digest.
    candidates = (
        ApiToken.unscoped.select_related("membership__user", "firm").filter(prefix=prefix)[:4]
        if prefix
        else []
    )
    digest = token_digest(raw)
    token = next((t for t in candidates if hmac.compare_digest(t.digest, digest)), None)
    if token is None:
        return Presented(None, "invalid")
    if token.is_revoked:
        return Presented(None, "revoked")
    if token.is_expired:
        return Presented(None, "expired")
    member = token.membership
    if not member.is_active or not member.user.is_active or member.firm_id != token.firm_id:
        return Presented(None, "inactive")
    return Presented(token)
