"""Benchmark of the client list and export at 100,000 clients (R13), and of the
list for a member restricted to 5,000 of them (R30, R31).

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

from clients.management.benchdata import PLACES, WORDS, insert_clients, p95, request_ms
from clients.models import (
    Client,
    ClientAssignment,
    ClientStatus,
    ClientType,
    new_company_id,
)
from clients.search import forget_statistics
from practice.models import ClientAccess, Firm, Membership, Role, User
from practice.tenancy import firm_scope

BENCH_SLUG = "bench-clients"
RESTRICTED_EMAIL = "bench-restricted@bench.ledgerly.test"
RESTRICTED_CLIENTS = 5_000
# The figures measured for the restricted member too, to compare with the same
# request of an unrestricted one.
RESTRICTED_CASES = ("first_page", "name_search", "number_search", "last_page")


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
        p95s = {}
        for name, query in cases:
            p50, p95s[name] = self._time(web, base + query, n, name)
            self.stdout.write(f"{name}_p50 {p50:.1f} ms")
            self.stdout.write(f"{name}_p95 {p95s[name]:.1f} ms")
        counts = []
        for _name, query in cases:
            with CaptureQueriesContext(connection) as ctx:
                web.get(base + query)
            counts.append(len(ctx))
        self.stdout.write(f"list_sql_queries {max(counts)} queries")
        reset_queries()

        restricted = TestClient(secure=True)
        restricted.force_login(self._restricted(firm, sample).user)
        ratios, restricted_counts = [], []
        for figure in RESTRICTED_CASES:
            query = dict(cases)[f"list_{figure}"]
            name = f"list_restricted_{figure}"
            # Timed turn about with the same request of the unrestricted member, so
            # both figures see the same machine load.
            p95, p95_all = self._time_pair(restricted, web, base + query, n, name)
            self.stdout.write(f"{name}_p95 {p95:.1f} ms")
            self.stdout.write(f"{name}_unrestricted_p95 {p95_all:.1f} ms")
            ratios.append(p95 / p95_all)
            with CaptureQueriesContext(connection) as ctx:
                restricted.get(base + query)
            restricted_counts.append(len(ctx))
        self.stdout.write(f"list_restricted_vs_all_ratio {max(ratios):.2f} x")
        self.stdout.write(f"list_restricted_sql_queries {max(restricted_counts)} queries")
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

    def _time(self, web, url: str, n: int, name: str) -> tuple[float, float]:
        """(p50, p95) in ms of `n` requests after a warm-up, half of them htmx swaps."""
        timings = [request_ms(web, url, htmx=i % 2 == 1, name=name) for i in range(n + 3)][3:]
        return statistics.median(timings), p95(timings)

    def _time_pair(self, first, second, url: str, n: int, name: str) -> tuple[float, float]:
        """p95 in ms of `n` requests of `first` and of `second` (after a warm-up),
        taken in turn so that both see the same machine load."""
        timings: tuple[list, list] = ([], [])
        for i in range(n + 3):
            for web, times in zip((first, second), timings, strict=True):
                elapsed = request_ms(web, url, htmx=i % 2 == 1, name=name)
                if i >= 3:
                    times.append(elapsed)
        return p95(timings[0]), p95(timings[1])

    def _restricted(self, firm, sample: Client) -> Membership:
        """A standard member restricted to assigned clients, leading none, assigned to
        RESTRICTED_CLIENTS clients spread over the firm (the number search's sample
        among them), the assignments created in bulk."""
        with firm_scope(firm):
            user, _ = User.objects.get_or_create(
                email=RESTRICTED_EMAIL, defaults={"full_name": "Bench Restricted"}
            )
            member, _ = Membership.objects.get_or_create(
                firm=firm,
                user=user,
                defaults={"role": Role.STANDARD, "client_access": ClientAccess.ASSIGNED},
            )
            if ClientAssignment.objects.filter(firm=firm, membership=member).exists():
                return member
            ids = list(Client.objects.filter(firm=firm).values_list("pk", flat=True))
            chosen = set(random.Random(7).sample(ids, RESTRICTED_CLIENTS - 1)) | {sample.pk}
            active = set(
                Client.objects.filter(pk__in=chosen, status=ClientStatus.ACTIVE).values_list(
                    "pk", flat=True
                )
            )
            grants = [
                ClientAssignment(
                    firm=firm, client_id=pk, membership=member, client_active=pk in active
                )
                for pk in chosen
            ]
            with transaction.atomic():
                ClientAssignment.objects.bulk_create(grants, batch_size=5000)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE clients_clientassignment")
        return member

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
                        forget_statistics()
        owner = next(m for m in members if m.role == Role.PRIMARY_ADMIN)
        return firm, owner

    def _create(self, firm, members, start: int, count: int):
        if connection.vendor == "postgresql":
            # Written by the database itself, the same mix of names and shares.
            insert_clients(
                firm_id=firm.pk, member_ids=[m.pk for m in members], start=start, stop=count
            )
            return
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
                )
            )
            if len(batch) == 5000:
                with transaction.atomic():
                    Client.objects.bulk_create(batch)
                batch = []
        if batch:
            with transaction.atomic():
                Client.objects.bulk_create(batch)
