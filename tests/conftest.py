import datetime
import os
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine as time_machine_lib
from django.conf import settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from clients.models import BillingChoice
from tests.clients.factories import ClientFactory
from tests.practice.factories import (
    BillingProfileFactory,
    FirmFactory,
    MembershipFactory,
    UserFactory,
)
from tests.subscriptions.factories import SubscriptionFactory, product

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
def in_firm(firm):
    """Run the test body inside the firm's scope, as a request would."""
    with scope(firm=firm):
        yield firm


@pytest.fixture
def complete_profile(firm):
    """The firm's billing profile, complete (wholesale billing needs one)."""
    with scopes_disabled():
        return BillingProfileFactory(firm=firm)


@pytest.fixture
def make_client(firm):
    """make_client(**fields) -> a client of `firm` (built outside any scope)."""

    def make(**fields):
        fields.setdefault("firm", firm)
        with scopes_disabled():
            return ClientFactory(**fields)

    return make


@pytest.fixture
def make_clients(firm):
    """make_clients(*numbers, target_firm=None) -> one client per client number."""

    def make(*numbers, target_firm=None):
        with scopes_disabled():
            return [
                ClientFactory(firm=target_firm or firm, client_number=number) for number in numbers
            ]

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_import(django_capture_on_commit_callbacks, firm, standard_member, media_root):
    """run_import(data, mode="import") -> the finished ImportJob (task run eagerly)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports import services
    from practice.tenancy import firm_scope

    def run(data: bytes, mode="import", name="clients.csv", by=None):
        upload = SimpleUploadedFile(name, data, content_type="text/csv")
        with firm_scope(firm), django_capture_on_commit_callbacks(execute=True):
            job = services.import_job_create(
                firm=firm, upload=upload, mode=mode, by=by or standard_member
            )
        with scopes_disabled():
            job.refresh_from_db()
        return job

    return run


# Time and commits ---------------------------------------------------------------
# Time moves only with time-machine, which moves every clock at once (datetime,
# time.time, and so Django's timezone.now and signed links).


@pytest.fixture
def run_on_commit(monkeypatch):
    """On-commit callbacks (e-mails, tasks) run at once: tests run in a transaction
    that never commits, and Celery is eager in tests."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def today_is(time_machine, run_on_commit):
    """today_is(date): from now on it is noon on `date` in the site's time zone
    (time-machine moves every clock), and on-commit callbacks run at once."""

    def move(day: datetime.date):
        noon = datetime.datetime.combine(
            day, datetime.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE)
        )
        time_machine.move_to(noon, tick=False)

    return move


@pytest.fixture
def travel():
    """travel(days=..., seconds=...) -> context manager: inside it, the clock stands
    that far after now (for expiring records and signed links)."""

    @contextmanager
    def move(**delta):
        target = timezone.now() + datetime.timedelta(**delta)
        with time_machine_lib.travel(target, tick=False):
            yield target

    return move


@pytest.fixture
def wholesale(firm, make_client):
    """make an active wholesale subscription: wholesale(code="essentials", users=..)"""

    def make(code="essentials", start=None, **kwargs):
        client = make_client(initial_billing=BillingChoice.WHOLESALE, initial_plan_code=code)
        with scopes_disabled():
            kwargs.setdefault("start_date", start or datetime.date.today())
            return SubscriptionFactory(client=client, product=product(code), **kwargs)

    return make


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language, whatever an earlier test in
    the same worker activated (a French e-mail, a French request)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Sign-in rate limits, the worker heartbeat and one-time codes live in the
    cache: every test starts without any (a browser test's sign-in is not refused
    because earlier tests failed theirs from the same address)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
