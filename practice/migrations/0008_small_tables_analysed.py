"""PostgreSQL only: autovacuum analyses a table once 50 rows (plus a tenth of it)
have changed, so the firms', users' and members' tables of a new deployment, a few
dozen rows each, may never be analysed. The planner then guesses their size, and
the client list, which joins each client to its lead accountant's membership and
user, can be planned as a join of every client of the firm before sorting (hundreds
of milliseconds at 100,000 clients). Here they are analysed after 5 changed rows
(plus a tenth of the table, autovacuum's scale factor, unchanged)."""

from django.db import migrations

TABLES = ("practice_firm", "practice_user", "practice_membership")


def _set(threshold):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            if threshold is None:
                schema_editor.execute(f"ALTER TABLE {table} RESET (autovacuum_analyze_threshold)")
            else:
                schema_editor.execute(
                    f"ALTER TABLE {table} SET (autovacuum_analyze_threshold = {threshold})"
                )
                schema_editor.execute(f"ANALYZE {table}")

    return run


class Migration(migrations.Migration):
    dependencies = [("practice", "0007_distribute_by_firm")]

    operations = [migrations.RunPython(_set(5), _set(None))]
