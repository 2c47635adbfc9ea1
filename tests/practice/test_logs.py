"""Server errors reach someone (issue 14 §7): every log line of a request or a task
names the request (or task) and the firm; error reporting is configured from the
environment only."""

import importlib
import io
import json
import logging
import re
from unittest import mock

import pytest
import sentry_sdk
from celery import shared_task
from django.urls import reverse

from practice import logs
from practice.tenancy import firm_scope, firm_task


@pytest.fixture
def log_lines():
    """What the production handler writes (JSON lines), captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.LogContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_log_line_of_a_request_carries_its_request_id_and_firm(
    client_for, firm, standard_member, log_lines
):
    url = reverse("clients:detail", args=[firm.slug, 987654321])
    response = client_for(standard_member).get(url, headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-0123456789"
    lines = [line for line in log_lines() if line["logger"] == "django.request"]
    assert lines, "the 404 is logged"
    assert {(line["request_id"], line["firm"]) for line in lines} == {("req-0123456789", firm.slug)}
    assert lines[0]["level"] == "WARNING" and url in lines[0]["message"]


@pytest.mark.parametrize(
    "incoming", ["", "short", "has spaces in it", "x" * 200, 'line\nbreak"forged', "é-unicode-id"]
)
def test_an_invalid_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get(reverse("login"), headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id(client, db):
    first = client.get(reverse("login"))["X-Request-ID"]
    second = client.get(reverse("login"))["X-Request-ID"]
    assert first != second


@firm_task
def _logging_task(firm):
    logging.getLogger("tests.task").info("working for %s", firm.slug)


@shared_task
def _plain_task():
    logging.getLogger("tests.task").info("no firm here")


def test_a_log_line_of_a_task_carries_the_task_id_and_firm(firm, log_lines):
    result = _logging_task.apply(args=[firm.pk])
    _plain_task.apply()
    lines = [line for line in log_lines() if line["logger"] == "tests.task"]
    assert lines[0]["task_id"] == result.id and lines[0]["firm"] == firm.slug
    assert lines[1]["task_id"] not in ("-", result.id) and lines[1]["firm"] == "-"
    # Nothing leaks out of the task once it has finished.
    assert (logs.task_id_var.get(), logs.firm_var.get()) == ("-", "-")


def test_key_value_lines_cannot_be_split_by_a_message(firm):
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, 'bad "name"\nlevel=INFO', (), None)
    with firm_scope(firm):
        logs.LogContextFilter().filter(record)
    line = logs.KeyValueFormatter().format(record)
    assert "\n" not in line
    assert f"firm={firm.slug} " in line
    assert line.endswith('message="bad \\"name\\"\\nlevel=INFO"')


def _reload_settings(monkeypatch, **env):
    import practice.settings as practice_settings

    monkeypatch.setenv("DEBUG", "1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    init = mock.Mock()
    monkeypatch.setattr(sentry_sdk, "init", init)
    try:
        return dict(vars(importlib.reload(practice_settings))), init
    finally:
        monkeypatch.undo()
        importlib.reload(practice_settings)


def test_sentry_is_not_initialised_without_sentry_dsn(monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    _settings, init = _reload_settings(monkeypatch)
    init.assert_not_called()
    assert not sentry_sdk.get_client().is_active()


def test_sentry_reports_requests_and_tasks_when_sentry_dsn_is_set(monkeypatch):
    _settings, init = _reload_settings(
        monkeypatch, SENTRY_DSN="https://key@sentry.example.com/1", SENTRY_ENVIRONMENT="staging"
    )
    init.assert_called_once()
    options = init.call_args.kwargs
    assert options["dsn"] == "https://key@sentry.example.com/1"
    assert options["environment"] == "staging"
    assert options["send_default_pii"] is False
    assert {type(i).__name__ for i in options["integrations"]} == {
        "DjangoIntegration",
        "CeleryIntegration",
    }


def test_logging_and_admins_come_from_the_environment(monkeypatch):
    values, _init = _reload_settings(
        monkeypatch,
        LOG_FORMAT="json",
        LOG_LEVEL="warning",
        ADMINS="ops@example.com, oncall@example.com",
    )
    assert values["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert values["LOGGING"]["root"]["level"] == "WARNING"
    assert values["ADMINS"] == ["ops@example.com", "oncall@example.com"]
