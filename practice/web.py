"""What every view module shares: htmx partial detection, service errors
mapped onto forms or messages, and CSV responses streamed row by row."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language

from practice import submissions
from practice.csvutil import csv_row


def htmx_partial(request) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def htmx_target(request) -> str:
    return (request.htmx.target or "") if htmx_partial(request) else ""


def partial(request, template: str, name: str) -> str:
    """`template#name` for an htmx swap, the whole `template` otherwise."""
    return f"{template}#{name}" if htmx_partial(request) else template


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their field
    when the form has it, the rest as non-field errors."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def form_token(request) -> str:
    """The one-time token to render in a create form (practice.submissions): the
    one sent back with a form shown again, or a new one."""
    posted = request.POST.get("form_token", "") if request.method == "POST" else ""
    return posted if submissions.valid_token(posted) else submissions.new_token()


def errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def csv_delimiter() -> str:
    """The list separator spreadsheets expect in the active language: French
    spreadsheets split on ";" (the import reads both)."""
    return ";" if (get_language() or "").startswith("fr") else ","


def csv_lines(rows, *, delimiter: str = ",", batch: int = 1000):
    """Encode rows as CSV text, a batch of lines per chunk (see practice.csvutil)."""
    lines = []
    for row in rows:
        lines.append(csv_row(row, delimiter=delimiter))
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def csv_response(chunks, *, filename: str, charset: str = "utf-8") -> StreamingHttpResponse:
    """Stream `chunks` (text or bytes) as a CSV attachment named `filename`
    (quoted and encoded, whatever it holds); never cached."""
    response = StreamingHttpResponse(chunks, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
