"""Structured logs: every line of a request or a task says which one and which firm.

- `RequestIdMiddleware` (first in MIDDLEWARE) gives each request an id: a valid
  incoming X-Request-ID (from a proxy) or a new one, returned in the response.
  It and the firm (`request_firm_set`, by the tenant gate) stay bound until the
  request is finished, so the lines Django writes after the middleware (the
  request's status) carry them too; request_started/finished clear them.
- `practice.tenancy.firm_scope` names the firm for everything run in its scope.
- Celery's task_prerun/task_postrun (connected in practice.celery) name the task.
- `LogContextFilter` copies them onto each record; `JsonFormatter` writes JSON
  lines, `KeyValueFormatter` key=value lines (settings: LOG_FORMAT, LOG_LEVEL).
- `sentry_init` turns on error reporting, only when SENTRY_DSN is set.
"""

import datetime
import json
import logging
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
firm_var: ContextVar[str] = ContextVar("firm", default="-")
task_id_var: ContextVar[str] = ContextVar("task_id", default="-")

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
CONTEXT_FIELDS = ("request_id", "task_id", "firm")


def request_id_from(value: str | None) -> str:
    """The incoming id when it is a plausible one, a new one otherwise (an id
    ends up in every log line: nothing that could forge a line gets in)."""
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


@contextmanager
def firm_logged(firm):
    token = firm_var.set(getattr(firm, "slug", None) or str(firm))
    try:
        yield
    finally:
        firm_var.reset(token)


def request_context_clear(**kwargs) -> None:
    """request_started / request_finished: a request starts with nothing bound."""
    request_id_var.set("-")
    firm_var.set("-")


def request_firm_set(firm) -> None:
    firm_var.set(firm.slug)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request_id_var.set(request.request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


_task_tokens: dict[str, tuple] = {}


def task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    """Celery task_prerun: the task's lines carry its id (and, once it enters
    its firm's scope, the firm)."""
    _task_tokens[task_id] = (task_id_var.set(task_id or "-"), firm_var.set("-"))


def task_finished(sender=None, task_id=None, **kwargs) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        task_token, firm_token = tokens
        try:
            firm_var.reset(firm_token)
            task_id_var.reset(task_token)
        except ValueError:  # set in another context (a pool thread)
            firm_var.set("-")
            task_id_var.set("-")


class LogContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        record.firm = firm_var.get()
        return True


def _timestamp(record) -> str:
    return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
        timespec="milliseconds"
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record):
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            entry[name] = getattr(record, name, "-")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    """`time=… level=… logger=… request_id=… task_id=… firm=… message="…"`, one line
    (a traceback follows, indented)."""

    def format(self, record):
        fields = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            **{name: getattr(record, name, "-") for name in CONTEXT_FIELDS},
            "message": record.getMessage(),
        }
        line = " ".join(f"{key}={_kv_value(value)}" for key, value in fields.items())
        if record.exc_info:
            trace = self.formatException(record.exc_info)
            line += "\n" + "\n".join("  " + part for part in trace.splitlines())
        return line


def _kv_value(value) -> str:
    text = str(value)
    if text and re.fullmatch(r"[^\s\"=\\]+", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def sentry_init(dsn: str, *, environment: str = "", traces_sample_rate: float = 0.0) -> bool:
    """Report errors (Django requests and Celery tasks) to Sentry when a DSN is given."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
    )
    return True
