"""A JSON answer written as the API's renderer writes it, for the lists that
skip the per-row schema check (their conformance is what the tests check)."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

RENDERER = JSONRenderer()


def json_response(request, data, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        RENDERER.render(request, data, response_status=status),
        status=status,
        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}",
    )


def iso_datetime(value) -> str | None:
    """A datetime as the renderer writes one (ECMA-262: milliseconds, Z for UTC),
    without a call back into the encoder for each value."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text
