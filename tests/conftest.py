import datetime
import os
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django_scopes import scopes_disabled
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.practice.factories import FirmFactory, MembershipFactory, UserFactory

# Property tests run against a real database on a shared two-core machine:
# generation speed varies, so the timing health checks would only add noise.
hypothesis_settings.register_profile(
    "project",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile("project")


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0] or "memory"
    e2e = "on" if _e2e_enabled() else "off (set E2E=1 or install /usr/bin/chromium)"
    return [f"database: {engine}; celery broker: {broker}; browser tests: {e2e}"]


def _e2e_enabled() -> bool:
    flag = os.environ.get("E2E", "")
    if flag in {"0", "false", "no"}:
        return False
    return flag in {"1", "true", "yes"} or os.path.exists(
        os.environ.get("CHROMIUM", "/usr/bin/chromium")
    )


def pytest_collection_modifyitems(config, items):
    if _e2e_enabled():
        return
    skip = pytest.mark.skip(reason="browser tests are off: set E2E=1 with Chromium installed")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def unscoped():
    """Tests build data outside any request, so scoping is lifted for setup."""
    with scopes_disabled():
        yield


@pytest.fixture
def firm(db):
    with scopes_disabled():
        return FirmFactory()


@pytest.fixture
def other_firm(db):
    with scopes_disabled():
        return FirmFactory()


@pytest.fixture
def primary_admin(firm):
    with scopes_disabled():
        return MembershipFactory(firm=firm, role="primary_admin")


@pytest.fixture
def admin_member(firm, primary_admin):
    with scopes_disabled():
        return MembershipFactory(firm=firm, role="admin")


@pytest.fixture
def standard_member(firm, primary_admin):
    with scopes_disabled():
        return MembershipFactory(firm=firm, role="standard")


@pytest.fixture
def client_for():
    """client_for(membership) -> a Django test client signed in as that member."""
    from django.test import Client

    def make(membership_or_user):
        user = getattr(membership_or_user, "user", membership_or_user)
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def today_is(time_machine, monkeypatch):
    """today_is(date): from now on it is noon on `date` in the site's time zone
    (time-machine moves every clock), and on-commit callbacks run at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())

    def move(day: datetime.date):
        noon = datetime.datetime.combine(
            day, datetime.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE)
        )
        time_machine.move_to(noon, tick=False)

    return move
