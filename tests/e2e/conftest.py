"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live_server. Never `playwright install`: the browser comes from apt (/usr/bin/chromium).

Fixtures for every app's browser tests:
  browser                               the session's headless Chromium
  page                                  a fresh context + page per test; a screenshot
                                        lands in test-artifacts/ when the test fails
  login(page, live_server, user, password=PASSWORD)
                                        signs in through the real form
  artifacts                             Path of test-artifacts/ (created)
  catalogue                             the product catalogue, loaded again (browser
                                        tests flush the database, data migrations too)
"""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.practice.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM (test setup
# and the fixtures) then believes it is in async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_call_failed = report.failed
    return report


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests are on (E2E=1) but {CHROMIUM} is missing: apt install chromium")
    args = list(CHROMIUM_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    # launch() gives the browser a fresh temporary profile (user-data dir) of its own.
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield browser
    browser.close()


@pytest.fixture
def page(request, browser, artifacts):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_call_failed", False):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
            print(f"could not save a screenshot: {exc}")
    context.close()


@pytest.fixture
def login():
    """login(page, live_server, user, password=PASSWORD): sign in through the sign-in form.

    `user` is a User or a Membership. Returns the page, on whatever the sign-in
    redirected to (the firm, or the firm picker for people in several firms)."""

    def sign_in(page, live_server, user, password=PASSWORD):
        user = getattr(user, "user", user)
        login_url = live_server.url + reverse("login")
        page.goto(login_url)
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        if page.url.split("?")[0] == login_url:
            raise AssertionError(f"sign-in failed for {user.email}: still on {page.url}")
        return page

    return sign_in


@pytest.fixture
def catalogue(db):
    from tests.subscriptions.factories import ensure_catalogue

    ensure_catalogue()
