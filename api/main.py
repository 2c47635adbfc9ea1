"""The API object: /api/v1/, its OpenAPI document and docs, and how errors read.

Endpoints live in api/endpoints/ (one module per resource) and call the same
services and selectors as the pages. Everything an endpoint raises becomes a
problem+json (api.problems); the OpenAPI document lists those answers too."""

import json
import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser
from ninja.security import HttpBearer

from api import problems
from api.openapi import document

logger = logging.getLogger("api")

DESCRIPTION = """
The firm's clients, client-number imports, subscriptions, statements and
activity log, for the firm's other tools.

**Authentication.** Every request but this document carries a personal access
token: `Authorization: Bearer ldg_…`. A member creates tokens on *Settings → API
tokens*; a token works for one firm, acts with its member's role and client
access, and is read only or read and write. It stops when it expires, when it
is revoked, or when its member is deactivated (401).

**Errors** are RFC 9457 problem details (`application/problem+json`) with
`type`, `title`, `status`, `detail` in the language of `Accept-Language`
(English or French), a stable `code`, and where useful `errors` (refused input)
or `conditions` (what must change first). Unknown body members and a parameter
given more than once are refused (422), not ignored.

**Rate limit.** Each token may send `API_RATE_LIMIT` requests per
`API_RATE_WINDOW` seconds (600 a minute unless the firm's host set otherwise).
Every answer says where the token stands: `RateLimit-Limit`,
`RateLimit-Remaining`, `RateLimit-Reset` (seconds). Past the limit the answer is
429 with `Retry-After` (seconds).

**Pages.** Lists are read with cursors: follow `next_cursor` until it is null.
A cursor is opaque and belongs to the query that produced it; a changed or
foreign cursor is refused with 400.

**Concurrency.** A client's `version` is its `ETag`. `PATCH` needs
`If-Match: "<version>"` (428 without it) and answers 412 when the client
changed since that version.
"""


class TokenAuth(HttpBearer):
    """A personal access token. The API's gate (api.middleware) has checked it
    before any endpoint runs; this only documents it and hands it on."""

    def authenticate(self, request, token):
        return getattr(request, "api_token", None)


class JsonParser(Parser):
    """Bodies are JSON: another media type is refused with 415, unreadable JSON
    with 400 (ninja turns any parser error into 400; its cause is kept)."""

    def parse_body(self, request):
        media = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if media != "application/json" and not (media.endswith("+json") and "/" in media):
            raise problems.ApiProblem(415, code="unsupported_media_type")
        return json.loads(request.body)

    def parse_querydict(self, data, list_fields, request):
        """Query and form parameters; one that is not a list and comes more than
        once is refused (422) instead of silently keeping its last value."""
        result = {}
        for key, values in data.lists():
            if key in list_fields:
                result[key] = values
            elif len(values) > 1:
                where = "query" if data is request.GET else "body"
                raise problems.invalid(
                    [where, key], _("Give this parameter only once."), kind="repeated"
                )
            else:
                result[key] = values[0]
        return result


class LedgerlyAPI(NinjaAPI):
    _documents: dict = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        key = (path_prefix, tuple(sorted((path_params or {}).items())))
        if key not in self._documents:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            self._documents[key] = document(schema)
        return self._documents[key]


class Docs(Swagger):
    template = "api/docs.html"


api = LedgerlyAPI(
    title="Ledgerly API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    parser=JsonParser(),
    docs=Docs(settings={"persistAuthorization": False, "defaultModelsExpandDepth": 0}),
)


@api.exception_handler(problems.ApiProblem)
def _api_problem(request, exc: problems.ApiProblem):
    return problems.problem(exc.status, exc.detail, code=exc.code, **exc.members)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problems.problem(404, code="not_found")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problems.problem(403, str(exc) if str(exc) else "", code="forbidden")


@api.exception_handler(NinjaValidationError)
def _invalid_input(request, exc: NinjaValidationError):
    return problems.problem(422, code="invalid", errors=problems.input_errors(exc.errors))


@api.exception_handler(DjangoValidationError)
def _refused_by_service(request, exc: DjangoValidationError):
    return problems.problem(422, code="invalid", errors=problems.service_errors(exc))


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    return problems.problem(
        401, code="not_authenticated", headers={"WWW-Authenticate": 'Bearer realm="api"'}
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, problems.ApiProblem):
        return _api_problem(request, exc.__cause__)
    if exc.status_code == 400:
        # ninja's "Cannot parse request body".
        return problems.problem(400, _("The request body is not valid JSON."), code="bad_json")
    return problems.problem(exc.status_code)


@api.exception_handler(Exception)
def _server_error(request, exc):
    logger.error("API error: %s", exc, exc_info=exc, extra={"status_code": 500})
    return problems.problem(500, code="server_error")


from api.endpoints import (  # noqa: E402 - the endpoints register on `api`
    activity,
    clients,
    imports,
    statements,
    subscriptions,
    team,
)

api.add_router("/clients", clients.router, tags=["Clients"])
api.add_router("/imports", imports.router, tags=["Imports"])
api.add_router("/subscriptions", subscriptions.router, tags=["Subscriptions"])
api.add_router("/statements", statements.router, tags=["Statements"])
api.add_router("/activity", activity.router, tags=["Activity"])
api.add_router("/team", team.router, tags=["Team"])
