"""Errors of the API as RFC 9457 problem details (application/problem+json).

Every error under /api/ reads the same way: `type`, `title`, `status`, `detail`
(in the caller's language, from Accept-Language), a stable `code` for programs,
and for some problems more members: `errors` (which input was refused and why),
`conditions` (what must change first). Responses that other layers produce
(Django's 404 or 405, a body refused for its size) are rewritten in this form."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not authenticated"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition failed"),
    413: gettext_lazy("Content too large"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Invalid input"),
    428: gettext_lazy("Precondition required"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Server error"),
    503: gettext_lazy("Service unavailable"),
}

DEFAULT_DETAILS = {
    400: gettext_lazy("The request could not be understood."),
    401: gettext_lazy("Send a valid API token in the Authorization header: Bearer <token>."),
    403: gettext_lazy("You may not do this."),
    404: gettext_lazy("Nothing was found at this address."),
    405: gettext_lazy("This address does not accept this method."),
    409: gettext_lazy("The request conflicts with the current state of the object."),
    413: gettext_lazy("The request body is too large."),
    415: gettext_lazy("Send the request body as JSON (Content-Type: application/json)."),
    422: gettext_lazy("Some of the input is not valid."),
    429: gettext_lazy("Too many requests with this token. Try again later."),
    500: gettext_lazy("Something went wrong on our side. Nothing was changed."),
}


class ApiProblem(Exception):
    """Raise from an endpoint to answer with a problem."""

    def __init__(self, status: int, detail: str = "", *, code: str = "", **members):
        self.status = status
        self.detail = detail
        self.code = code
        self.members = members
        super().__init__(detail)


def invalid(loc: list, message, kind: str = "invalid") -> ApiProblem:
    """A 422 naming the one input at `loc` (["body"|"query", name]) that is refused."""
    return ApiProblem(422, code="invalid", errors=[{"loc": loc, "message": message, "type": kind}])


def problem(status: int, detail: str = "", *, code: str = "", headers=None, **members):
    """An application/problem+json response."""
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status, "")) or str(status),
        "status": status,
        "detail": str(detail or DEFAULT_DETAILS.get(status, "")),
        "code": code or _default_code(status),
    }
    body.update({key: value for key, value in members.items() if value is not None})
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _default_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        412: "version_conflict",
        413: "too_large",
        415: "unsupported_media_type",
        422: "invalid",
        428: "version_required",
        429: "rate_limited",
        500: "server_error",
    }.get(status, "error")


def is_problem(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == PROBLEM_TYPE


def as_problem(response):
    """A response of status 400 or more that is not a problem, as one (same
    status and the headers that matter: Allow, Retry-After)."""
    if response.status_code < 400 or is_problem(response):
        return response
    headers = {
        name: response[name] for name in ("Allow", "Retry-After") if response.has_header(name)
    }
    return problem(response.status_code, headers=headers)


# Input errors ------------------------------------------------------------------
# pydantic's error types, in words the caller reads in their language.


def _input_messages() -> dict:
    return {
        "missing": _("This field is required."),
        "extra_forbidden": _("This field is not accepted here."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "string_type": _("Enter text."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "model_type": _("Send a JSON object."),
        "model_attributes_type": _("Send a JSON object."),
        "dict_type": _("Send a JSON object."),
        "list_type": _("Send a list."),
        "enum": _("Choose one of: %(expected)s."),
        "literal_error": _("Choose one of: %(expected)s."),
        "string_too_long": _("Enter at most %(max_length)s characters."),
        "string_too_short": _("Enter at least %(min_length)s characters."),
        "greater_than_equal": _("Enter a number of at least %(ge)s."),
        "greater_than": _("Enter a number greater than %(gt)s."),
        "less_than_equal": _("Enter a number of at most %(le)s."),
        "less_than": _("Enter a number less than %(lt)s."),
        "value_error": _("This value is not valid."),
        "string_pattern_mismatch": _("This value is not valid."),
        "uuid_parsing": _("This value is not valid."),
    }


def input_errors(errors: list[dict]) -> list[dict]:
    """pydantic/ninja errors as [{"loc": [...], "message": ..., "type": ...}]."""
    messages = _input_messages()
    result = []
    for error in errors:
        kind = str(error.get("type", ""))
        context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
        template = messages.get(kind)
        try:
            message = template % context if template else str(error.get("msg", ""))
        except (KeyError, TypeError, ValueError):
            message = str(error.get("msg", ""))
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("file", "form"):
            loc[0] = "body"  # a multipart body
        if loc[:2] == ["body", "body"]:
            del loc[1]  # the parameter's own name adds nothing
        result.append({"loc": loc, "message": message, "type": kind})
    return result


def service_errors(exc) -> list[dict]:
    """A Django ValidationError from a service, as input errors of the body."""
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", name], "message": str(message), "type": "invalid"}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [
        {"loc": ["body"], "message": str(message), "type": "invalid"} for message in exc.messages
    ]
