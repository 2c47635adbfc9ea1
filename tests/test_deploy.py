"""Production readiness: `check --deploy` passes with production settings, and pages
carry a strict Content-Security-Policy that the markup respects (no inline script
without a nonce, no style attributes, no inline event handlers)."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "SECURE", "EMAIL_", "STATIC_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="ledgerly.example.com",
        SITE_URL="https://ledgerly.example.com",
        EMAIL_HOST="smtp.example.com",
        VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


class InlineCodeScanner(HTMLParser):
    """Collects what a strict CSP (no 'unsafe-inline') would block."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.problems.append(f"<{tag}> has a style attribute")
        for name in attributes:
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag}> has an inline handler {name}")
        if tag == "script" and "src" not in attributes and not attributes.get("nonce"):
            self.problems.append("inline <script> without a nonce")
        if tag == "style" and not attributes.get("nonce"):
            self.problems.append("<style> element")


def _csp_problems(response) -> list[str]:
    policy = response.headers.get("Content-Security-Policy", "")
    problems = [] if policy else ["no Content-Security-Policy header"]
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"unsafe source in the policy: {policy}")
    scanner = InlineCodeScanner()
    scanner.feed(response.content.decode())
    return problems + scanner.problems


@pytest.mark.django_db
def test_sign_in_page_has_a_strict_csp_and_no_inline_code(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
    assert _csp_problems(response) == []


def test_team_page_has_a_strict_csp_and_no_inline_code(
    client_for, primary_admin, admin_member, standard_member
):
    response = client_for(primary_admin).get(
        reverse("team", kwargs={"firm_slug": primary_admin.firm.slug})
    )

    assert response.status_code == 200
    assert _csp_problems(response) == []


def test_scanner_catches_inline_code():
    """The scan itself must notice what it looks for."""
    scanner = InlineCodeScanner()
    scanner.feed(
        '<div style="color:red"></div><script>alert(1)</script>'
        '<button onclick="x()"></button><script nonce="abc">ok()</script>'
    )
    assert len(scanner.problems) == 3
