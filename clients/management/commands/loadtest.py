"""Bounded load test of the client pages: gunicorn on PostgreSQL, driven by locust.

DATABASE_URL=postgres://... manage.py loadtest   (`make loadtest`)

Creates (or reuses) the benchmark firm with LOAD_CLIENTS clients (100,000), starts
gunicorn on a free loopback port, runs locust headless with LOAD_USERS users
(50) for LOAD_SECONDS (180) listing, searching, opening and editing clients
(loadtest/locustfile.py), stops gunicorn, then checks every saved edit against
the database and prints:

  load_requests_per_second <n> req/s
  load_p95 <ms> ms
  load_errors <n> errors
  load_lost_updates <n> updates

An edit is lost when the form accepted it (a redirect) yet the database does not
hold it: two edits accepted from the same version of a client, or a final value
other than that of the newest accepted edit. A 409 is a correct refusal."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client as TestClient

from clients.management.commands.bench_clients import Command as BenchClients
from clients.models import Client
from practice.tenancy import firm_scope

BASE_DIR = Path(settings.BASE_DIR)
HOT_CLIENTS = 300


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Load-test the client pages (gunicorn + locust on loopback) and print the figures."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The load test runs on PostgreSQL: set DATABASE_URL, for example "
                "DATABASE_URL=postgres://ledgerly:ledgerly@127.0.0.1:5432/ledgerly make loadtest"
            )
        clients = _env_int("LOAD_CLIENTS", 100_000)
        users = _env_int("LOAD_USERS", 50)
        seconds = _env_int("LOAD_SECONDS", 180)
        workers = _env_int("LOAD_WORKERS", (os.cpu_count() or 2) * 2 + 1)

        firm, owner = BenchClients()._firm(clients)
        sessions = []
        for _ in range(users):
            browser = TestClient()
            browser.force_login(owner.user)
            sessions.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
        with firm_scope(firm):
            hot = list(
                Client.objects.filter(firm=firm)
                .order_by("pk")
                .values_list("pk", flat=True)[:HOT_CLIENTS]
            )
        connection.close()

        port = _free_port()
        work = Path(tempfile.mkdtemp(prefix="ledgerly-load-"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "practice.settings",
            "DEBUG": "0",
            "SECURE": "0",
            "STATIC_MANIFEST": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": settings.SECRET_KEY,
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self.stderr.write(
            f"gunicorn: {workers} workers on 127.0.0.1:{port}; locust: {users} users, {seconds} s"
        )
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "gunicorn.conf.py",
                "practice.wsgi",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=open(work / "gunicorn.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_for(port, server, work)
            edits_file = work / "edits.jsonl"
            result = subprocess.run(
                [
                    str(Path(sys.executable).with_name("locust")),
                    "-f",
                    str(BASE_DIR / "loadtest" / "locustfile.py"),
                    "--headless",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(max(users // 5, 1)),
                    "--run-time",
                    f"{seconds}s",
                    "--stop-timeout",
                    "10",
                    "--csv",
                    str(work / "stats"),
                    "--only-summary",
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=BASE_DIR,
                env={
                    **os.environ,
                    "LOAD_FIRM": firm.slug,
                    "LOAD_SESSIONS": ",".join(sessions),
                    "LOAD_HOT_CLIENTS": ",".join(map(str, hot)),
                    "LOAD_EDITS_FILE": str(edits_file),
                },
                stdout=open(work / "locust.log", "wb"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                timeout=seconds + 120,
            )
            if result.returncode != 0:
                raise CommandError(f"locust failed; see {work / 'locust.log'}")
        finally:
            self._stop(server)

        rate, p95, errors = self._stats(work / "stats_stats.csv")
        lost, saved = self._lost_updates(firm, edits_file)
        self.stderr.write(f"{saved} edits saved; logs in {work}")
        self.stdout.write(f"load_requests_per_second {rate:.1f} req/s")
        self.stdout.write(f"load_p95 {p95:.0f} ms")
        self.stdout.write(f"load_errors {errors} errors")
        self.stdout.write(f"load_lost_updates {lost} updates")

    def _wait_for(self, port: int, server, work: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn stopped; see {work / 'gunicorn.log'}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise CommandError("gunicorn did not answer within 60 s")

    def _stop(self, server) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)

    def _stats(self, path: Path) -> tuple[float, float, int]:
        with path.open(newline="") as stats:
            total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
        return (
            float(total["Requests/s"]),
            float(total["95%"]),
            int(total["Failure Count"]),
        )

    def _lost_updates(self, firm, edits_file: Path) -> tuple[int, int]:
        saved = defaultdict(list)
        if edits_file.exists():
            for line in edits_file.read_text().splitlines():
                edit = json.loads(line)
                saved[edit["client"]].append(edit)
        with firm_scope(firm):
            stored = dict(
                Client.objects.filter(firm=firm, pk__in=list(saved)).values_list("pk", "notes")
            )
        lost = 0
        for pk, edits in saved.items():
            # Each accepted edit was made from its own version of the client.
            lost += len(edits) - len({edit["version"] for edit in edits})
            newest = max(edits, key=lambda edit: edit["version"])
            if stored.get(pk) != newest["notes"]:
                lost += 1
        return lost, sum(len(edits) for edits in saved.values())
