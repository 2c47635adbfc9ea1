"""Benchmark of the client list and export at 100,000 clients (R13).

Run against PostgreSQL: DATABASE_URL=postgres://... manage.py bench_clients
Prints one figure per line as `name value unit`."""

import random
import resource
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, ClientStatus, ClientType, new_company_id, normalize_search
from practice.models import Firm, Membership, Role, User
from practice.tenancy import firm_scope

BENCH_SLUG = "bench-clients"
WORDS = [
    "Boulangerie",
    "Garage",
    "Atelier",
    "Studio",
    "Pharmacie",
    "Librairie",
    "Menuiserie",
    "Fromagerie",
    "Imprimerie",
    "Bistro",
    "Consulting",
    "Plomberie",
    "Épicerie",
    "Cabinet",
]
PLACES = [
    "Marais",
    "Lilas",
    "Saint-Michel",
    "Gare",
    "Port",
    "Alpes",
    "Beaulieu",
    "Montcalm",
    "Lac",
    "Riviera",
    "Belleville",
    "Mont-Royal",
    "Côte",
    "Lefèvre",
    "Tremblay",
    "Gagnon",
]


class Command(BaseCommand):
    help = "Time the client list and CSV export on a firm with 100,000 clients."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=60)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stderr.write("Note: the figures are meaningful on PostgreSQL (set DATABASE_URL).")
        firm, member = self._firm(options["clients"])
        # The test client talks to the full middleware stack in-process.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        web = TestClient(secure=True)
        web.force_login(member.user)
        n = options["requests"]
        base = reverse("clients:list", kwargs={"firm_slug": firm.slug})
        with firm_scope(firm):
            sample = (
                Client.objects.filter(firm=firm, client_number__isnull=False)
                .order_by("-pk")
                .first()
            )
            lead = (
                Client.objects.filter(firm=firm, lead_accountant__isnull=False)
                .values_list("lead_accountant_id", flat=True)
                .first()
            )
        cases = [
            ("list_first_page", ""),
            ("list_name_search", "?q=fromagerie%20lac"),
            ("list_number_search", f"?q={sample.client_number[:-1]}"),
            ("list_lead_filter", f"?lead={lead}"),
            ("list_sort_client_number", "?sort=client_number"),
            ("list_last_page", "?last=1"),
        ]
        htmx = {"HX-Request": "true", "HX-Target": "client-results"}
        for name, query in cases:
            timings = []
            for i in range(n + 3):
                start = time.perf_counter()
                response = web.get(base + query, headers=htmx if i % 2 else {})
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, (name, response.status_code)
                if i >= 3:  # warm-up
                    timings.append(elapsed)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            self.stdout.write(f"{name}_p50 {statistics.median(timings):.1f} ms")
            self.stdout.write(f"{name}_p95 {p95:.1f} ms")
        counts = []
        for _name, query in cases:
            with CaptureQueriesContext(connection) as ctx:
                web.get(base + query)
            counts.append(len(ctx))
        self.stdout.write(f"list_sql_queries {max(counts)} queries")
        reset_queries()

        export = reverse("clients:export", kwargs={"firm_slug": firm.slug})
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        response = web.get(export + "?inactive=1")
        rows = size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            rows += chunk.count(b"\n")
        elapsed = time.perf_counter() - start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.stdout.write(f"export_rows {rows - 1} rows")
        self.stdout.write(f"export_time {elapsed:.2f} s")
        self.stdout.write(f"export_size {size / 1_000_000:.1f} MB")
        self.stdout.write(f"peak_rss {rss_after / 1024:.0f} MB")
        self.stdout.write(f"export_rss_growth {(rss_after - rss_before) / 1024:.0f} MB")

    def _firm(self, count: int):
        settings.DEBUG = False
        firm = Firm.objects.filter(slug=BENCH_SLUG).first()
        if firm is None:
            firm = Firm.objects.create(
                name="Bench Clients", slug=BENCH_SLUG, country="FR", currency="EUR", language="en"
            )
        with firm_scope(firm):
            members = list(Membership.objects.filter(firm=firm).select_related("user"))
            if not members:
                for i in range(12):
                    user, _ = User.objects.get_or_create(
                        email=f"bench{i}@bench.ledgerly.test", defaults={"full_name": f"Bench {i}"}
                    )
                    members.append(
                        Membership.objects.create(
                            firm=firm,
                            user=user,
                            role=Role.PRIMARY_ADMIN if i == 0 else Role.STANDARD,
                        )
                    )
            existing = Client.objects.filter(firm=firm).count()
            if existing < count:
                self.stderr.write(f"Creating {count - existing} clients...")
                self._create(firm, members, existing, count)
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        cursor.execute("VACUUM ANALYZE clients_client")
        owner = next(m for m in members if m.role == Role.PRIMARY_ADMIN)
        return firm, owner

    def _create(self, firm, members, start: int, count: int):
        rng = random.Random(start)
        batch = []
        for n in range(start, count):
            if rng.random() < 0.6:
                name = f"{rng.choice(WORDS)} {rng.choice(PLACES)} {n}"
                kind = ClientType.BUSINESS
            else:
                name = f"{rng.choice(PLACES)} {rng.choice(WORDS)} {n}"
                kind = ClientType.INDIVIDUAL
            batch.append(
                Client(
                    firm=firm,
                    client_type=kind,
                    display_name=name,
                    company_name=name if kind == ClientType.BUSINESS else "",
                    email=f"client{n}@bench.test",
                    phone=f"+33 1 {n % 100:02d} {n % 97:02d} {n % 89:02d} {n % 83:02d}",
                    company_id=new_company_id(),
                    client_number=f"C{n:06d}" if rng.random() < 0.7 else None,
                    lead_accountant=rng.choice(members) if rng.random() < 0.9 else None,
                    status=ClientStatus.INACTIVE if rng.random() < 0.1 else ClientStatus.ACTIVE,
                    search_name=normalize_search(
                        f"{name} {name}" if kind == ClientType.BUSINESS else name
                    ),
                )
            )
            if len(batch) == 5000:
                with transaction.atomic():
                    Client.objects.bulk_create(batch)
                batch = []
        if batch:
            with transaction.atomic():
                Client.objects.bulk_create(batch)
