"""End-to-end benchmark of the client-number import (issue 5 §8).

For each size, the parent process creates a firm with that many clients and an
uploaded file giving every client a new number, then runs the import in a fresh
child process through the real task code (parse, validate, apply) so that the
child's peak RSS is the import's own. The largest file is also imported with
django-import-export in its bulk mode, on the same database, as the peer figure,
and, on PostgreSQL, applied the way the database itself would do it fastest (COPY
into a temporary table, one UPDATE ... FROM) as the physical reference, each
reference run taken in turn with one of ours.

Prints `name value unit` lines. Meant for PostgreSQL (DATABASE_URL)."""

import json
import os
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import override_settings

# The smallest and the largest size are the memory figure's two ends.
SIZES = (10_000, 100_000)

# What _setup's bulk_create writes, in one statement: client i is "Client <i> SARL",
# company ID <prefix><i>, number OLD-<i>, with its number row.
_INSERT_CLIENTS = """
WITH named AS (
    SELECT 'Client ' || lpad(i::text, 6, '0') || ' SARL' AS name,
           %(prefix)s || lpad(i::text, 10, '0') AS company_id,
           'OLD-' || lpad(i::text, 6, '0') AS number
    FROM generate_series(0, %(size)s - 1) AS i
), inserted AS (
    INSERT INTO clients_client (
        firm_id, client_type, display_name, company_name, first_name, last_name, email,
        phone, address, notes, company_id, status, firm_is_primary_admin,
        tax_preparation_status, tax_return_status, initial_billing, initial_plan_code,
        billing, products_summary, search_name, created_at, updated_at, version
    )
    SELECT %(firm)s, 'business', name, name, '', '', '', '', '', '', company_id, 'active',
           false, 'not_started', 'not_filed', 'none', '', 'none', '',
           lower(name) || %(sep)s || lower(name), now(), now(), 1
    FROM named
    RETURNING id, company_id
)
INSERT INTO clients_clientnumber (firm_id, client_id, number, version, updated_at)
SELECT %(firm)s, inserted.id, named.number, 0, now()
FROM inserted JOIN named USING (company_id)
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return os.environ.get("DATABASE_URL", "")
    user = quote(db["USER"] or "")
    password = quote(db["PASSWORD"] or "")
    credentials = f"{user}:{password}@" if user else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _rss_peak_mb() -> float:
    """This process's peak RSS. Not getrusage(): on Linux its maximum survives
    exec, so a child would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark the client-number import against django-import-export."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
        parser.add_argument("--no-peer", action="store_true")
        parser.add_argument(
            "--repeat",
            type=int,
            default=3,
            help="Runs per measurement of ours and of the COPY reference; the best is kept.",
        )
        # The peer's 100,000 rows take about 100 s a run on a slow 2-core machine: a
        # third run of it would take a tenth of `make bench`'s 20 minutes.
        parser.add_argument(
            "--peer-repeat", type=int, default=2, help="Runs of the peer; the best is kept."
        )
        parser.add_argument("--child-ours", type=int, help=argparse_hidden())
        parser.add_argument("--child-peer", type=int, help=argparse_hidden())
        parser.add_argument("--media", default="", help=argparse_hidden())

    def handle(self, *args, **options):
        if options["child_ours"]:
            return self._child_ours(options["child_ours"], options["media"])
        if options["child_peer"]:
            return self._child_peer(options["child_peer"], options["media"])
        sizes = sorted(int(s) for s in options["sizes"].split(",") if s.strip())
        if connection.vendor != "postgresql":
            self.stderr.write("Note: the reference figures are for PostgreSQL (set DATABASE_URL).")
        with tempfile.TemporaryDirectory() as media:
            results = {}
            for size in sizes:
                firm, job_id = self._setup(size, media)
                try:
                    runs, references = [], []
                    with_reference = size == sizes[-1] and connection.vendor == "postgresql"
                    for attempt in range(options["repeat"]):
                        # The reference in turn with ours, each going first every
                        # other time: both see the same load and the same indexes.
                        order = ["ours", "reference"] if with_reference else ["ours"]
                        for which in order if attempt % 2 == 0 else order[::-1]:
                            self._reset_numbers(firm, job_id)
                            if which == "ours":
                                runs.append(self._child("--child-ours", job_id, media))
                            else:
                                references.append(self._copy_reference(firm, job_id, media))
                            self._check(firm, size)
                    results[size] = self._best(runs)
                    if references:
                        results["reference"] = min(references)
                    if size == sizes[-1] and not options["no_peer"]:
                        runs = []
                        for _ in range(options["peer_repeat"]):
                            self._reset_numbers(firm, job_id)
                            runs.append(self._child("--child-peer", job_id, media))
                            self._check(firm, size)
                        results["peer"] = self._best(runs)
                finally:
                    self._teardown(firm)
        largest = sizes[-1]
        ours = results[largest]
        lines = [("imports_rows_per_second", largest / ours["seconds"], "rows/s")]
        if "peer" in results:
            peer = largest / results["peer"]["seconds"]
            lines += [
                ("imports_peer_import_export_bulk_rows_per_second", peer, "rows/s"),
                ("imports_speedup_vs_peer", (largest / ours["seconds"]) / peer, "x"),
            ]
        if "reference" in results:
            reference = largest / results["reference"]
            lines += [
                ("imports_copy_reference_rows_per_second", reference, "rows/s"),
                ("imports_vs_copy_reference_ratio", (largest / ours["seconds"]) / reference, "x"),
            ]
        lines.append(("imports_peak_rss", ours["rss_mb"], "MB"))
        for size in sizes:
            lines += [
                (f"imports_rows_per_second_{size}", size / results[size]["seconds"], "rows/s"),
                (f"imports_peak_rss_{size}", results[size]["rss_mb"], "MB"),
            ]
        if "peer" in results:
            lines.append(("imports_peer_peak_rss", results["peer"]["rss_mb"], "MB"))
        for name, value, unit in lines:
            self.stdout.write(
                f"{name} {value:.2f} {unit}" if unit == "x" else f"{name} {value:.1f} {unit}"
            )

    # Parent ----------------------------------------------------------------------

    def _child(self, flag: str, job_id: int, media: str) -> dict:
        manage = str(settings.BASE_DIR / "manage.py")
        command = [sys.executable, manage, "bench_imports", flag, str(job_id), "--media", media]
        # The child uses this process's database, which `manage.py bench` may have
        # switched to a throwaway copy.
        env = {**os.environ, "DATABASE_URL": _database_url()}
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def _setup(self, size: int, media: str):
        from clients.models import NAME_SEPARATOR, Client
        from imports.models import ImportJob, ImportMode
        from practice.models import Firm, Membership, Role, User
        from practice.tenancy import firm_scope

        stamp = f"{time.time_ns() % 10**9:09d}"
        with transaction.atomic():
            firm = Firm.objects.create(
                name=f"Bench {stamp}",
                slug=f"bench-{stamp}",
                country="FR",
                currency="EUR",
                language="en",
            )
            user = User.objects.create_user(email=f"bench-{stamp}@example.test")
        prefix = f"7{firm.pk % 10**5:05d}"
        lines = ["Company ID,Display name,Client number"]
        lines += [f'{prefix}{i:010d},"Client {i:06d} SARL",NEW-{i:06d}' for i in range(size)]
        with firm_scope(firm):
            Membership.objects.create(firm=firm, user=user, role=Role.PRIMARY_ADMIN)
            if connection.vendor == "postgresql":
                # The same clients, written by the database itself.
                with connection.cursor() as cursor:
                    cursor.execute(
                        _INSERT_CLIENTS,
                        {"firm": firm.pk, "prefix": prefix, "size": size, "sep": NAME_SEPARATOR},
                    )
                    cursor.execute("ANALYZE clients_client")
                    cursor.execute("ANALYZE clients_clientnumber")
            else:
                for start in range(0, size, 5000):
                    Client.objects.bulk_create(
                        Client(
                            firm=firm,
                            client_type="business",
                            display_name=f"Client {i:06d} SARL",
                            company_name=f"Client {i:06d} SARL",
                            company_id=f"{prefix}{i:010d}",
                            client_number=f"OLD-{i:06d}",
                        )
                        for i in range(start, min(start + 5000, size))
                    )
            data = ("\r\n".join(lines) + "\r\n").encode()
            with override_settings(MEDIA_ROOT=media):
                job = ImportJob(
                    firm=firm,
                    created_by=user,
                    mode=ImportMode.IMPORT,
                    original_filename="bench.csv",
                    size_bytes=len(data),
                )
                job.file.save("bench.csv", ContentFile(data), save=False)
                job.save()
        return firm, job.pk

    def _copy_reference(self, firm, job_id: int, media: str) -> float:
        """The database's own speed for the same change, as the physical reference:
        COPY of the same file into a temporary table, then one UPDATE ... FROM
        setting the client numbers (in their own table, found by company ID),
        committed. Returns the seconds it took."""
        from imports.models import ImportJob

        job = ImportJob.unscoped.get(pk=job_id)
        with override_settings(MEDIA_ROOT=media):
            path = job.file.path
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor, open(path, "rb") as handle:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_numbers"
                " (company_id text, display_name text, client_number text) ON COMMIT DROP"
            )
            with cursor.copy("COPY bench_numbers FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while block := handle.read(256 * 1024):
                    copy.write(block)
            cursor.execute(
                "UPDATE clients_clientnumber n SET number = s.client_number"
                " FROM bench_numbers s JOIN clients_client c"
                " ON c.firm_id = %s AND c.company_id = s.company_id"
                " WHERE n.firm_id = %s AND n.client_id = c.id",
                [firm.pk, firm.pk],
            )
        return time.perf_counter() - started

    @staticmethod
    def _best(runs: list[dict]) -> dict:
        """The fastest run (the machine may be shared), with the highest peak RSS."""
        return {
            "seconds": min(run["seconds"] for run in runs),
            "rss_mb": max(run["rss_mb"] for run in runs),
        }

    def _reset_numbers(self, firm, job_id: int) -> None:
        """Back to the state before any import: the old numbers, a fresh job."""
        with connection.cursor() as cursor:
            for table in ("imports_importrow", "practice_activityevent"):
                cursor.execute(f"DELETE FROM {table} WHERE firm_id = %s", [firm.pk])  # noqa: S608
            cursor.execute(
                "UPDATE imports_importjob SET status = 'queued', attempts = 0, progress = 0,"
                " finished_at = NULL WHERE id = %s",
                [job_id],
            )
            cursor.execute(
                "UPDATE clients_clientnumber n SET number = 'OLD-' || RIGHT(c.company_id, 6)"
                " FROM clients_client c"
                " WHERE c.firm_id = %s AND n.firm_id = c.firm_id AND n.client_id = c.id",
                [firm.pk],
            )
            if connection.vendor == "postgresql":
                # Every run, ours or the peer's, starts without the previous one's dead rows.
                tables = ("clients_client", "clients_clientnumber", "imports_importrow")
                for table in (*tables, "practice_activityevent"):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")

    def _check(self, firm, size: int) -> None:
        from clients.models import Client
        from practice.tenancy import firm_scope

        with firm_scope(firm):
            done = Client.objects.filter(client_number__startswith="NEW-").count()
        if done != size:
            raise CommandError(f"Expected {size} updated clients, found {done}.")

    def _teardown(self, firm) -> None:
        with connection.cursor() as cursor:
            for table in ("imports_importrow", "practice_activityevent"):
                cursor.execute(f"DELETE FROM {table} WHERE firm_id = %s", [firm.pk])  # noqa: S608
            cursor.execute(
                "UPDATE imports_importjob SET source_id = NULL WHERE firm_id = %s", [firm.pk]
            )
            cursor.execute("DELETE FROM imports_importjob WHERE firm_id = %s", [firm.pk])
            cursor.execute("DELETE FROM clients_clientnumber WHERE firm_id = %s", [firm.pk])
            cursor.execute("DELETE FROM clients_client WHERE firm_id = %s", [firm.pk])
        from practice.models import Membership, User

        user_ids = list(Membership.unscoped.filter(firm=firm).values_list("user_id", flat=True))
        firm.delete()
        User.objects.filter(pk__in=user_ids).delete()

    # Children --------------------------------------------------------------------

    def _child_ours(self, job_id: int, media: str) -> None:
        from imports.models import ImportJob
        from imports.tasks import import_run

        with override_settings(MEDIA_ROOT=media):
            started = time.perf_counter()
            import_run.apply(args=[job_id], throw=True)
            seconds = time.perf_counter() - started
        job = ImportJob.unscoped.get(pk=job_id)
        if job.status != "done":
            raise CommandError(f"The import failed: {job.failure_code}")
        self.stdout.write(json.dumps({"seconds": seconds, "rss_mb": _rss_peak_mb()}))

    def _child_peer(self, job_id: int, media: str) -> None:
        import tablib
        from import_export import fields, resources
        from import_export.instance_loaders import CachedInstanceLoader

        from clients.models import Client
        from imports.models import ImportJob
        from practice.tenancy import firm_scope

        class ClientNumberResource(resources.ModelResource):
            company_id = fields.Field(attribute="company_id", column_name="Company ID")
            display_name = fields.Field(attribute="display_name", column_name="Display name")
            client_number = fields.Field(attribute="client_number", column_name="Client number")

            class Meta:
                model = Client
                fields = ("company_id", "display_name", "client_number")
                import_id_fields = ("company_id",)
                use_bulk = True
                batch_size = 1000
                skip_diff = True
                instance_loader_class = CachedInstanceLoader

        job = ImportJob.unscoped.select_related("firm").get(pk=job_id)
        with override_settings(MEDIA_ROOT=media), firm_scope(job.firm):
            started = time.perf_counter()
            with job.file.open("rb") as handle:
                dataset = tablib.Dataset().load(handle.read().decode("utf-8-sig"), format="csv")
            result = ClientNumberResource().import_data(dataset, dry_run=False, raise_errors=True)
            seconds = time.perf_counter() - started
        if result.has_errors():
            raise CommandError("django-import-export reported errors.")
        self.stdout.write(json.dumps({"seconds": seconds, "rss_mb": _rss_peak_mb()}))


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS
