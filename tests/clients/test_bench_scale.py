"""The growth benchmark (R13) runs end to end on a small scale: its data generator
writes clients the list can find, and every figure comes out as `name value unit`."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import NoReverseMatch, reverse
from django_scopes import scopes_disabled

from clients.models import Client, search_key
from tests.races import postgresql_only

LINE = re.compile(r"^([a-z0-9_]+) (-?[0-9.]+) (ms|x|queries|s)$")


def _alone_firms(name: str) -> list[tuple[str, int]]:
    """The firms of database `name` and their clients, read on a connection of its own."""
    settings = {**connection.settings_dict, "NAME": name}
    other = type(connections["default"])(settings, "alone")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT f.slug, count(c.id) FROM practice_firm f"
                " LEFT JOIN clients_client c ON c.firm_id = f.id GROUP BY f.slug ORDER BY f.slug"
            )
            return cursor.fetchall()
    finally:
        other.close()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_r13_bench_scale_prints_every_figure():
    out = io.StringIO()
    call_command(
        "bench_scale",
        sizes="300,900",
        admin_size=900,
        firms=4,
        firm_clients=60,
        requests=2,
        admin_requests=1,
        firm_requests=2,
        keep_alone=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    figures = {}
    for line in out.getvalue().splitlines():
        match = LINE.match(line)
        assert match, line
        figures[match.group(1)] = float(match.group(2))
    for figure in ("first_page", "name_search", "last_page", "sort_client_number"):
        assert f"list_growth_{figure}" in figures
        assert f"list_vs_admin_{figure}" in figures
        assert figures[f"list_900_{figure}_p95"] > 0
    assert figures["list_300_sql_queries"] == figures["list_900_sql_queries"]
    assert "list_many_firms_ratio" in figures
    assert figures["list_many_firms_first_page_alone_p95"] > 0
    # "Alone" is the small firm in a database of its own, dropped after a run
    # without --keep-alone.
    alone = connection.settings_dict["NAME"] + "_alone"
    assert _alone_firms(alone) == [("bench-scale-small", 60)]
    call_command(
        "bench_scale",
        sizes="300",
        admin_size=0,
        firms=4,
        firm_clients=60,
        requests=1,
        firm_requests=1,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [alone])
        assert cursor.fetchone()[0] == 0
    with scopes_disabled():
        generated = Client.objects.filter(firm__slug="bench-scale-900")
        assert generated.count() == 900
        # Four neighbour firms of 60 clients each, each client in its own firm.
        assert Client.objects.filter(firm__slug__startswith="bench-scale-n-").count() == 240
        for client in generated.order_by("pk")[:50]:
            # Written by the database, the search name is the one the model makes.
            assert client.search_name == search_key(
                client.display_name, client.company_name, client.first_name, client.last_name
            )
            assert client.lead_accountant is None or client.lead_accountant.firm_id == (
                client.firm_id
            )
    # The bench's admin is gone from the site afterwards.
    with pytest.raises(NoReverseMatch):
        reverse("admin:clients_client_changelist")
