"""Reads from a read replica with read-your-writes (practice.replicas): where each
read goes, request by request."""

import datetime
import os
import subprocess
import sys

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from clients.models import Client
from practice.replicas import COOKIE, REPLICA, ReplicaMiddleware, ReplicaRouter

router = ReplicaRouter()
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def now(time_machine) -> int:
    time_machine.move_to(NOW, tick=False)
    return int(NOW.timestamp())


def serve(method="get", cookies=None, view=None):
    """Run `view` (which returns the list of what it saw) through the middleware."""
    seen = []
    request = getattr(RequestFactory(), method)("/f/firm/clients/")
    request.COOKIES.update(cookies or {})

    def get_response(request):
        seen.extend(view())
        return HttpResponse("ok")

    response = ReplicaMiddleware(get_response)(request)
    return seen, response


def read():
    return [router.db_for_read(Client)]


def write_then_read():
    return [router.db_for_read(Client), router.db_for_write(Client), router.db_for_read(Client)]


def test_reads_outside_a_request_go_to_the_primary():
    """Celery tasks and commands: a task may run right after the commit it follows."""
    assert router.db_for_read(Client) == "default"
    assert router.db_for_write(Client) == "default"


def test_a_get_request_reads_from_the_replica_and_sets_no_cookie():
    seen, response = serve(view=read)
    assert seen == [REPLICA]
    assert COOKIE not in response.cookies


def test_after_a_write_the_request_reads_from_the_primary_and_the_browser_is_remembered(now):
    seen, response = serve(view=write_then_read)
    assert seen == [REPLICA, "default", "default"]
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["max-age"] == 10
    assert cookie.value == str(now + 10)


@override_settings(DATABASE_REPLICA_STICKY_SECONDS=3)
def test_the_next_requests_read_their_writes_until_the_cookie_expires(now, travel):
    _seen, response = serve(method="post", view=write_then_read)
    until = response.cookies[COOKIE].value
    assert until == str(now + 3)
    with travel(seconds=2):
        assert serve(cookies={COOKIE: until}, view=read)[0] == ["default"]
    with travel(seconds=3):
        assert serve(cookies={COOKIE: until}, view=read)[0] == [REPLICA]
    assert serve(cookies={COOKIE: "not a time"}, view=read)[0] == [REPLICA]


def test_posts_read_from_the_primary():
    assert serve(method="post", view=read)[0] == ["default"]


def test_reads_inside_a_transaction_go_to_the_primary(monkeypatch):
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    assert serve(view=read)[0] == ["default"]


def test_the_request_state_does_not_leak_into_the_next_one():
    serve(view=write_then_read)
    assert serve(view=read)[0] == [REPLICA]
    assert router.db_for_read(Client) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "clients")
    assert not router.allow_migrate(REPLICA, "clients")


@pytest.mark.parametrize("url", ["", "postgres://u:p@replica.internal:5432/ledgerly"])
def test_the_replica_is_wired_only_when_configured(url):
    code = (
        "from django.conf import settings as s; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, "
        "s.MIDDLEWARE.index('practice.replicas.ReplicaMiddleware') + 1 "
        "== s.MIDDLEWARE.index('django.contrib.sessions.middleware.SessionMiddleware') "
        "if 'practice.replicas.ReplicaMiddleware' in s.MIDDLEWARE else None)"
    )
    env = {**os.environ, "DATABASE_REPLICA_URL": url, "DJANGO_SETTINGS_MODULE": "practice.settings"}
    env.setdefault("SECRET_KEY", "replica-test-key-0123456789abcdefghijklmnopqrstuvwxyz")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if url:
        assert out == "['default', 'replica'] ['practice.replicas.ReplicaRouter'] True"
    else:
        assert out == "['default'] [] None"
