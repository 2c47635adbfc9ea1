"""How the client list's cost grows (R8, R13): the six list figures at 10,000,
100,000 and 1,000,000 clients in one firm, the stock Django admin changelist on the
same clients as the peer, and one small firm measured alone and then among 10,000
firms holding 5,000,000 clients.

PostgreSQL only (the data is written by the database itself). Prints one figure per
line as `name value unit`:

- `list_<size>_<figure>_p95 <ms> ms` and `list_<size>_sql_queries <n> queries`;
- `list_growth_<figure> <ratio> x`: p95 at the largest size / p95 at the smallest;
- `admin_<figure>_p95 <ms> ms` and `list_vs_admin_<figure> <ratio> x` (admin / ours)
  at 100,000 clients, each request of ours taken in turn with the admin's;
- `list_many_firms_<figure>_p95 <ms> ms` alone and among, and
  `list_many_firms_ratio <ratio> x`, the worst figure's among / alone.

"Alone" is the same small firm in a database of its own (this database's name with
`_alone`, made and migrated for the run, dropped after it unless `--keep-alone`):
each alone request is taken in turn with an among request, so that both see the
same machine."""

import importlib
import time

from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, reset_queries
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse

from clients.management.benchdata import (
    analyze,
    bulk_load,
    insert_clients,
    insert_firms,
    p95,
    request_ms,
    time_url,
)
from clients.models import Client
from practice.models import Firm, Membership, Role, User
from practice.tenancy import firm_scope

# Written beside the clients; their statistics matter as much: believing the
# members' table empty, the planner joins every client to it before sorting.
SMALL_TABLES = ("practice_membership", "practice_user")
FIGURES = (
    "first_page",
    "name_search",
    "number_search",
    "lead_filter",
    "sort_client_number",
    "last_page",
)
PREFIX = "bench-scale"
# From this many new clients on, the table's indexes are built after the load.
BULK = 200_000


class BenchClientAdmin(admin.ModelAdmin):
    """What a Django team would ship for the same list: the stock changelist with
    the list's default columns, search on name and client number, filters on type
    and lead accountant, 50 rows a page, sorted by name, for one firm's clients."""

    list_display = [
        "display_name",
        "number",
        "client_type",
        "lead_accountant",
        "email",
        "phone",
        "products_summary",
        "billing",
    ]
    search_fields = ["display_name", "number_row__number"]
    list_filter = ["client_type", "lead_accountant"]
    list_select_related = ["lead_accountant__user"]
    list_per_page = 50
    ordering = ["display_name", "id"]
    firm_id = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(firm_id=self.firm_id)

    @admin.display(description="client number", ordering="number_row__number")
    def number(self, client):
        return client.client_number


class Command(BaseCommand):
    help = "Time the client list at growing sizes, against the Django admin, among many firms."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,100000,1000000")
        parser.add_argument("--admin-size", type=int, default=100_000)
        parser.add_argument("--firms", type=int, default=10_000)
        parser.add_argument("--firm-clients", type=int, default=500)
        # The growth figures' p95 is the 5th slowest of 100 requests per size: the
        # 2nd slowest of 30 moved the name-search ratio from 1.81 to 2.23 x between
        # runs of the same code.
        parser.add_argument("--requests", type=int, default=100)
        parser.add_argument("--admin-requests", type=int, default=10)
        parser.add_argument("--firm-requests", type=int, default=60)
        parser.add_argument(
            "--keep-alone",
            action="store_true",
            help="Keep the alone database for the next run instead of dropping it.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_scale needs PostgreSQL (set DATABASE_URL).")
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        sizes = sorted(int(s) for s in options["sizes"].split(",") if s.strip())
        n = options["requests"]
        firms = {size: self._firm(f"{PREFIX}-{size}", size) for size in sizes}
        self._growth(firms, n)
        if options["admin_size"] in firms:
            try:
                self._versus_admin(firms[options["admin_size"]], options["admin_requests"])
            finally:
                self._unregister_admin()
        if options["firms"] > 0:
            self._many_firms(options)

    # Data --------------------------------------------------------------------------

    def _firm(self, slug: str, size: int) -> tuple[Firm, Membership]:
        firm = Firm.objects.filter(slug=slug).first()
        if firm is None:
            firm = Firm.objects.create(
                name=slug, slug=slug, country="FR", currency="EUR", language="en"
            )
        with firm_scope(firm):
            members = list(Membership.objects.filter(firm=firm).order_by("pk"))
            for i in range(len(members), 12):
                user, _ = User.objects.get_or_create(
                    email=f"{slug}-{i}@bench.ledgerly.test",
                    defaults={
                        "full_name": f"{slug} {i}",
                        "is_staff": i == 0,
                        "is_superuser": i == 0,
                    },
                )
                role = Role.PRIMARY_ADMIN if i == 0 else Role.STANDARD
                members.append(Membership.objects.create(firm=firm, user=user, role=role))
            existing = Client.objects.filter(firm=firm).count()
        if existing < size:
            self.stderr.write(f"Creating {size - existing} clients in {slug}...")
            started = time.perf_counter()
            ids = [m.pk for m in members]
            if size - existing >= BULK:
                with bulk_load("clients_client", "clients_clientnumber"):
                    insert_clients(firm_id=firm.pk, member_ids=ids, start=existing, stop=size)
            else:
                insert_clients(firm_id=firm.pk, member_ids=ids, start=existing, stop=size)
            analyze("clients_client", "clients_clientnumber", *SMALL_TABLES)
            self.stdout.write(f"setup_clients_{size} {time.perf_counter() - started:.1f} s")
        return firm, members[0]

    # Measures ----------------------------------------------------------------------

    def _cases(self, firm: Firm, owner: Membership) -> dict[str, str]:
        base = reverse("clients:list", kwargs={"firm_slug": firm.slug})
        with firm_scope(firm):
            sample = (
                Client.objects.filter(firm=firm, client_number__isnull=False)
                .order_by("-pk")
                .values_list("client_number", flat=True)
                .first()
            )
            lead = (
                Client.objects.filter(firm=firm, lead_accountant__isnull=False)
                .values_list("lead_accountant_id", flat=True)
                .first()
            )
        return {
            "first_page": base,
            "name_search": base + "?q=fromagerie%20lac",
            "number_search": base + f"?q={sample[:-1]}",
            "lead_filter": base + f"?lead={lead}",
            "sort_client_number": base + "?sort=client_number",
            "last_page": base + "?last=1",
        }

    def _web(self, member: Membership) -> TestClient:
        web = TestClient(secure=True)
        web.force_login(member.user)
        return web

    def _p95(self, firm_owner, figure: str, n: int) -> float:
        firm, owner = firm_owner
        url = self._cases(firm, owner)[figure]
        return p95(time_url(self._web(owner), url, n, name=figure))

    def _growth(self, firms: dict, n: int) -> None:
        """Each figure timed at every size in turn, so all sizes see the same load."""
        webs = {size: self._web(owner) for size, (_firm, owner) in firms.items()}
        cases = {size: self._cases(firm, owner) for size, (firm, owner) in firms.items()}
        figures: dict[str, dict[int, float]] = {}
        for figure in FIGURES:
            timings: dict[int, list[float]] = {size: [] for size in firms}
            for i in range(n + 3):
                for size in firms:
                    ms = request_ms(webs[size], cases[size][figure], htmx=i % 2 == 1, name=figure)
                    if i >= 3:
                        timings[size].append(ms)
            figures[figure] = {size: p95(times) for size, times in timings.items()}
        for size in firms:
            for figure in FIGURES:
                self.stdout.write(f"list_{size}_{figure}_p95 {figures[figure][size]:.1f} ms")
            counts = []
            for url in cases[size].values():
                with CaptureQueriesContext(connection) as ctx:
                    webs[size].get(url)
                counts.append(len(ctx))
            self.stdout.write(f"list_{size}_sql_queries {max(counts)} queries")
            reset_queries()
        smallest, largest = min(firms), max(firms)
        for figure in FIGURES:
            ratio = figures[figure][largest] / figures[figure][smallest]
            self.stdout.write(f"list_growth_{figure} {ratio:.2f} x")

    def _versus_admin(self, firm_owner, n: int) -> None:
        firm, owner = firm_owner
        changelist = self._register_admin(firm)
        web, ours = self._web(owner), self._cases(firm, owner)
        with firm_scope(firm):
            sample = ours["number_search"].rsplit("=", 1)[1]
            lead = ours["lead_filter"].rsplit("=", 1)[1]
            last = -(-Client.objects.filter(firm=firm).count() // 50)
        theirs = {
            "first_page": changelist,
            "name_search": changelist + "?q=fromagerie+lac",
            "number_search": changelist + f"?q={sample}",
            "lead_filter": changelist + f"?lead_accountant__id__exact={lead}",
            "sort_client_number": changelist + "?o=2",
            "last_page": changelist + f"?p={last}",
        }
        for figure in FIGURES:
            mine, admins = [], []
            for i in range(n + 3):
                a = request_ms(web, ours[figure], htmx=i % 2 == 1, name=figure)
                b = request_ms(web, theirs[figure], name=f"admin {figure}")
                if i >= 3:
                    mine.append(a)
                    admins.append(b)
            self.stdout.write(f"admin_{figure}_p95 {p95(admins):.1f} ms")
            self.stdout.write(f"list_vs_admin_{figure} {p95(admins) / p95(mine):.2f} x")

    def _register_admin(self, firm: Firm) -> str:
        """The bench admin on the site's own admin, its URLs loaded again."""
        BenchClientAdmin.firm_id = firm.pk
        if not admin.site.is_registered(Client):
            admin.site.register(Client, BenchClientAdmin)
        importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
        clear_url_caches()
        return reverse("admin:clients_client_changelist")

    def _unregister_admin(self) -> None:
        if admin.site.is_registered(Client):
            admin.site.unregister(Client)
            importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
            clear_url_caches()

    def _many_firms(self, options) -> None:
        count, each = options["firms"], options["firm_clients"]
        started = time.perf_counter()
        if not Firm.objects.filter(slug__startswith=f"{PREFIX}-n-").exists():
            self.stderr.write(f"Creating {count} firms of {each} clients...")
            with bulk_load("clients_client", "clients_clientnumber"):
                insert_firms(count=count, clients_each=each, prefix=f"{PREFIX}-n")
            analyze("clients_client", "clients_clientnumber", "practice_firm", *SMALL_TABLES)
            self.stdout.write(f"setup_many_firms {time.perf_counter() - started:.1f} s")
        among = connection.settings_dict["NAME"]
        sides = {"among": connections["default"], "alone": self._alone_database(among)}
        try:
            self._among(sides, each, options["firm_requests"])
        finally:
            connections["default"] = sides["among"]
            sides["alone"].close()
            if not options["keep_alone"]:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{among}_alone" WITH (FORCE)')

    def _alone_database(self, among: str):
        """A connection to `<among>_alone`, created and migrated if need be."""
        name = f"{among}_alone"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        original = connections["default"]
        alone = type(original)({**original.settings_dict, "NAME": name}, "default")
        connections["default"] = alone
        try:
            call_command("migrate", verbosity=0, interactive=False)
        finally:
            connections["default"] = original
        return alone

    def _among(self, sides: dict, each: int, n: int) -> None:
        """The small firm's figures in both databases, request by request in turn."""
        cases, webs = {}, {}
        for side, conn in sides.items():
            connections["default"] = conn
            firm, owner = self._firm(f"{PREFIX}-small", each)
            cases[side], webs[side] = self._cases(firm, owner), self._web(owner)
        ratios = []
        for figure in FIGURES:
            timings: dict[str, list[float]] = {side: [] for side in sides}
            for i in range(n + 3):
                # Each side goes first every other time.
                for side in sorted(sides, reverse=i % 2 == 1):
                    connections["default"] = sides[side]
                    url = cases[side][figure]
                    ms = request_ms(webs[side], url, htmx=i % 4 >= 2, name=figure)
                    if i >= 3:
                        timings[side].append(ms)
            alone, among = p95(timings["alone"]), p95(timings["among"])
            self.stdout.write(f"list_many_firms_{figure}_alone_p95 {alone:.1f} ms")
            self.stdout.write(f"list_many_firms_{figure}_among_p95 {among:.1f} ms")
            ratios.append(among / alone)
        connections["default"] = sides["among"]
        self.stdout.write(f"list_many_firms_ratio {max(ratios):.2f} x")
