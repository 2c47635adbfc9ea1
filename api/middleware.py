"""The API's two middlewares.

`ApiProblemMiddleware` (early in MIDDLEWARE) keeps every answer under /api/ a
problem+json when it is an error, whoever produced it, and refuses bodies over
their limit before anything reads them (413).

`ApiGateMiddleware` (last) is the API's tenant gate, as TenantGateMiddleware is
the pages': it reads the bearer token (401 when missing, invalid, expired,
revoked, or its member deactivated), refuses writes to read-only tokens (403),
counts the request against the token's rate limit (429 with Retry-After), sets
`request.firm`, `request.membership` and `request.api_token`, and runs the
endpoint inside the firm's scope. The OpenAPI document and the docs page need
no token."""

import re

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from api import problems
from api.ratelimit import rate_take
from api.selectors import api_token_presented
from api.services import api_token_touch
from practice.accounts.policy import has_two_step, required_on
from practice.logs import request_firm_set
from practice.tenancy import firm_scope
from practice.uploads import too_large_message, upload_refused

API_PREFIX = "/api/"
PUBLIC_NAMES = {"openapi-json", "openapi-view"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _accepts_uploads(request) -> bool:
    try:
        return getattr(resolve(request.path_info).func, "accepts_uploads", False)
    except Resolver404:
        return False


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        with translation.override(language):
            refused = self._refuse_body(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        with translation.override(language):
            if upload_refused(request):
                # The file was cut off at IMPORT_MAX_BYTES: nothing of it was kept.
                response = problems.problem(413, too_large_message(), code="too_large")
            response = problems.as_problem(response)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response

    def _refuse_body(self, request):
        """A body over its limit, before anything reads it: the CSV upload takes
        IMPORT_MAX_BYTES, every other endpoint API_MAX_BODY_BYTES."""
        if request.method not in BODY_METHODS:
            return None
        uploads = _accepts_uploads(request)
        limit = settings.IMPORT_MAX_BYTES + 64 * 1024 if uploads else settings.API_MAX_BODY_BYTES
        if _content_length(request) > limit:
            return problems.problem(413, code="too_large")
        return None


class ApiGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return problems.problem(404)
        if match.url_name in PUBLIC_NAMES:
            return self.get_response(request)
        presented = api_token_presented(_bearer(request))
        if presented.token is None:
            return problems.problem(
                401,
                _refusals()[presented.reason],
                code=f"token_{presented.reason}",
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        token = presented.token
        membership, firm = token.membership, token.firm
        if required_on(firm.two_step_required_from) and not has_two_step(membership.user):
            return problems.problem(
                403,
                _(
                    "The firm requires two-step verification: set it up on your account "
                    "before using the API."
                ),
                code="two_step_required",
            )
        if request.method not in SAFE_METHODS and not token.can_write:
            return problems.problem(
                403, _("This token is read only: it can't change anything."), code="read_only"
            )
        unknown = _unknown_query_parameters(request, match)
        if unknown:
            return problems.problem(
                422,
                code="invalid",
                errors=[
                    {"loc": ["query", name], "message": message, "type": "extra_forbidden"}
                    for name, message in unknown
                ],
            )
        quota = rate_take(token.pk)
        if quota.exceeded:
            return problems.problem(429, code="rate_limited", headers=quota.headers())
        api_token_touch(token)
        request.api_token = token
        request.user = membership.user
        request.firm = firm
        request.membership = membership
        request_firm_set(firm)
        with firm_scope(firm):
            response = self.get_response(request)
        for name, value in quota.headers().items():
            response[name] = value
        return response


_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_DECLARED: dict = {}


def _unknown_query_parameters(request, match) -> list[tuple[str, str]]:
    """Query parameters the operation does not declare: refused, not ignored,
    so a misspelt filter is noticed."""
    if not request.GET:
        return []
    from api.main import api
    from api.openapi import query_names

    if not _DECLARED:
        _DECLARED.update(query_names(api.get_openapi_schema(path_prefix=API_PREFIX + "v1/")))
    path = "/" + _ROUTE_PARAMETER.sub(r"{\1}", match.route)
    known = _DECLARED.get((request.method.lower(), path))
    if known is None:
        return []
    message = _("This parameter is not accepted here.")
    return [(name, message) for name in request.GET if name not in known]


def _bearer(request) -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value if scheme.lower() == "bearer" else ""


def _refusals() -> dict:
    return {
        "missing": problems.DEFAULT_DETAILS[401],
        "invalid": _("This API token is not valid."),
        "expired": _("This API token has expired. Create a new one on the API tokens page."),
        "revoked": _("This API token was revoked."),
        "inactive": _("This API token's team member is no longer active in the firm."),
    }
