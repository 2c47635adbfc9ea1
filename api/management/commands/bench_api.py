"""Benchmark of the API's client list at 100,000 clients (R13): every client of
the benchmark firm, with every field, through cursor pagination at the default
page size, as an integration would read them.

Run against PostgreSQL: DATABASE_URL=postgres://... manage.py bench_api
(`make bench` runs it after bench_clients, on the same firm). Prints one figure
per line as `name value unit`. The rate limit is lifted for the run: it is the
API's speed that is measured, not the policy (600 requests a minute by default)."""

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client as TestClient

from api.schemas.common import DEFAULT_LIMIT
from api.services import api_token_create
from clients.management.benchdata import p95
from clients.management.commands.bench_clients import Command as ClientsBenchmark
from clients.models import Client
from practice.tenancy import firm_scope


class Command(BaseCommand):
    help = "Time reading 100,000 clients with every field through the API's cursor pages."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=100_000)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stderr.write("Note: the figures are meaningful on PostgreSQL (set DATABASE_URL).")
        firm, owner = ClientsBenchmark(stdout=self.stdout, stderr=self.stderr)._firm(
            options["clients"]
        )
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.API_RATE_LIMIT = 10**9
        with firm_scope(firm):
            expected = Client.objects.filter(firm=firm).count()
            _token, secret = api_token_create(
                firm=firm, by=owner, name="Benchmark", scope="read", expires_in_days=7
            )
        web = TestClient(headers={"Authorization": f"Bearer {secret}"})
        # Warm-up: the first request builds the OpenAPI document and fills caches.
        web.get("/api/v1/clients", {"inactive": "true"})

        seen, timings, size = set(), [], 0
        cursor = ""
        started, cpu = time.perf_counter(), time.process_time()
        while True:
            params = {"inactive": "true", **({"cursor": cursor} if cursor else {})}
            begin = time.perf_counter()
            response = web.get("/api/v1/clients", params)
            timings.append((time.perf_counter() - begin) * 1000)
            if response.status_code != 200:
                raise CommandError(f"page {len(timings)}: {response.status_code}")
            size += len(response.content)
            body = response.json()
            seen.update(item["id"] for item in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        if len(seen) != expected:
            raise CommandError(f"read {len(seen)} clients, the firm has {expected}")
        timings.sort()
        self.stdout.write(f"api_clients_all_fields_seconds {elapsed:.2f} s")
        self.stdout.write(f"api_clients_page_p95 {p95(timings):.1f} ms")
        self.stdout.write(f"api_clients_page_p50 {statistics.median(timings):.1f} ms")
        # The web process's own CPU time: what the reading costs outside the database.
        self.stdout.write(f"api_clients_web_cpu_seconds {cpu:.2f} s")
        self.stdout.write(f"api_clients_pages {len(timings)} pages of {DEFAULT_LIMIT}")
        self.stdout.write(f"api_clients_read {len(seen)} clients")
        self.stdout.write(f"api_clients_bytes {size / 1_000_000:.1f} MB")
