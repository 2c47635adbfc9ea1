"""Benchmark of webhooks: what recording events adds to a bulk change of 10,000 clients
(a member's clients handed to another), and how fast deliveries go to a receiver on
loopback (signing, the address check, the HTTP request and the log row included).

Run against PostgreSQL: DATABASE_URL=postgres://... manage.py bench_webhooks
Prints one figure per line as `name value unit`."""

import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from clients.management.benchdata import p95
from clients.models import Client, ClientType, new_company_id
from clients.services import clients_reassign_lead
from practice.models import Firm, Membership, Role, User
from practice.tenancy import firm_scope
from webhooks import delivery, tasks
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

BENCH_SLUG = "bench-webhooks"


class _Answer(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # no delayed-ACK stall between headers and body

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class Command(BaseCommand):
    help = "Time event recording for 10,000 changed clients and deliveries to a local receiver."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=10_000)
        parser.add_argument("--deliveries", type=int, default=300)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run the benchmark on PostgreSQL (DATABASE_URL=postgres://...).")
        settings.DEBUG = False
        settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on loopback
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            firm, first, second = self._firm(options["clients"])
            with firm_scope(firm):
                self._bulk(firm, first, second, options["clients"], server)
                self._deliveries(firm, options["deliveries"])
        finally:
            server.shutdown()
            server.server_close()

    def _out(self, name: str, value, unit: str) -> None:
        self.stdout.write(f"{name} {value} {unit}")

    def _bulk(self, firm, first, second, count, server):
        def hand_over(source, target) -> float:
            started = time.perf_counter()
            with transaction.atomic():
                clients_reassign_lead(firm=firm, source=source, target=target, by=first.user)
            return time.perf_counter() - started

        without = hand_over(first, second)
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        WebhookEndpoint.objects.filter(firm=firm).delete()
        WebhookEndpoint.objects.create(firm=firm, url=url, events=[EventType.CLIENT_UPDATED])
        # The tasks are not run here: only what the change itself costs is timed.
        queued = []
        send = tasks.delivery_send.delay
        tasks.delivery_send.delay = lambda *args: queued.append(args)
        try:
            with_events = hand_over(second, first)
        finally:
            tasks.delivery_send.delay = send
        recorded = WebhookDelivery.objects.filter(firm=firm).count()
        if recorded != count or len(queued) != count:
            raise CommandError(
                f"expected {count} deliveries, got {recorded} ({len(queued)} queued)"
            )
        self._out(
            f"webhooks_bulk_update_{count}_clients_no_endpoint_seconds", f"{without:.2f}", "s"
        )
        self._out(f"webhooks_bulk_update_{count}_clients_seconds", f"{with_events:.2f}", "s")
        self._out(
            "webhooks_events_recorded_per_second",
            f"{count / (with_events - without):.0f}",
            "events/s",
        )

    def _deliveries(self, firm, count):
        ids = list(
            WebhookDelivery.objects.filter(firm=firm).order_by("pk").values_list("pk", flat=True)
        )[:count]
        timings = []
        started = time.perf_counter()
        for pk in ids:
            one = time.perf_counter()
            delivery.delivery_attempt(firm=firm, delivery_id=pk)
            timings.append((time.perf_counter() - one) * 1000)
        total = time.perf_counter() - started
        done = WebhookDelivery.objects.filter(firm=firm, pk__in=ids, status="succeeded").count()
        if done != len(ids):
            raise CommandError(f"{len(ids) - done} deliveries did not succeed")
        timings.sort()
        self._out("webhooks_delivery_p50", f"{statistics.median(timings):.1f}", "ms")
        self._out("webhooks_delivery_p95", f"{p95(timings):.1f}", "ms")
        self._out(
            "webhooks_deliveries_per_second_one_worker", f"{len(ids) / total:.0f}", "deliveries/s"
        )

    def _firm(self, count: int):
        firm, _ = Firm.objects.get_or_create(
            slug=BENCH_SLUG,
            defaults={
                "name": "Bench Webhooks",
                "country": "FR",
                "currency": "EUR",
                "language": "en",
            },
        )
        with firm_scope(firm):
            members = []
            for i, role in enumerate((Role.PRIMARY_ADMIN, Role.STANDARD)):
                user, _ = User.objects.get_or_create(email=f"bench-hooks{i}@bench.ledgerly.test")
                member, _ = Membership.objects.get_or_create(
                    firm=firm, user=user, defaults={"role": role}
                )
                members.append(member)
            first, second = members
            WebhookEndpoint.objects.filter(firm=firm).delete()
            Client.objects.filter(firm=firm).delete()
            batch = [
                Client(
                    firm=firm,
                    client_type=ClientType.BUSINESS,
                    display_name=f"Atelier {n}",
                    company_name=f"Atelier {n}",
                    email=f"client{n}@bench.test",
                    company_id=new_company_id(),
                    client_number=f"W{n:06d}",
                    lead_accountant=first,
                )
                for n in range(count)
            ]
            with transaction.atomic():
                Client.objects.bulk_create(batch, batch_size=5000)
        return firm, first, second
