import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

BENCHMARKS = [
    "bench_clients",
    "bench_api",
    "bench_billing",
    "bench_imports",
    "bench_scale",
    "bench_webhooks",
]


class Command(BaseCommand):
    help = (
        "Run every benchmark (bench_clients, bench_api, bench_billing, bench_imports, "
        "bench_scale, bench_webhooks) on "
        "PostgreSQL. By default in a throwaway database created next to DATABASE_URL's."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Use the database of DATABASE_URL itself instead of a throwaway copy.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Benchmarks run on PostgreSQL only. Set DATABASE_URL, for example "
                "DATABASE_URL=postgres://ledgerly:ledgerly@127.0.0.1:5432/ledgerly make bench"
            )
        verbosity = options["verbosity"]
        old_name = settings.DATABASES["default"]["NAME"]
        if not options["in_place"]:
            connection.creation.create_test_db(
                verbosity=verbosity, autoclobber=True, serialize=False
            )
        try:
            failed = self.run_all()
        finally:
            if not options["in_place"]:
                connection.creation.destroy_test_db(old_name, verbosity=verbosity)
        if failed:
            raise CommandError(f"Benchmark(s) failed: {', '.join(failed)}")

    def run_all(self) -> list[str]:
        failed, missing = [], []
        for name in BENCHMARKS:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            started = time.perf_counter()
            try:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            except CommandError as exc:
                if str(exc).startswith("Unknown command"):
                    missing.append(name)
                    self.stdout.write(f"   not available yet ({name} does not exist)")
                    continue
                failed.append(name)
                self.stderr.write(f"   {name} failed: {exc}")
                continue
            self.stdout.write(f"   {name} finished in {time.perf_counter() - started:.1f} s")
        ran = len(BENCHMARKS) - len(missing) - len(failed)
        self.stdout.write(
            f"Benchmarks: {ran} ran, {len(failed)} failed, {len(missing)} not available."
        )
        return failed
