"""The growth benchmark (R13) runs end to end on a small scale: its data generator
writes clients the list can find, and every figure comes out as `name value unit`."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django_scopes import scopes_disabled

from clients.models import Client, normalize_search
from tests.races import postgresql_only

LINE = re.compile(r"^([a-z0-9_]+) (-?[0-9.]+) (ms|x|queries|s)$")


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
    # "Alone" was its own database, dropped at the end.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s",
            [connection.settings_dict["NAME"] + "_alone"],
        )
        assert cursor.fetchone()[0] == 0
    with scopes_disabled():
        generated = Client.objects.filter(firm__slug="bench-scale-900")
        assert generated.count() == 900
        # Four neighbour firms of 60 clients each, each client in its own firm.
        assert Client.objects.filter(firm__slug__startswith="bench-scale-n-").count() == 240
        for client in generated.order_by("pk")[:50]:
            name = normalize_search(client.display_name)
            assert name in client.search_name
            assert client.lead_accountant is None or client.lead_accountant.firm_id == (
                client.firm_id
            )
    # The bench's admin is gone from the site afterwards.
    with pytest.raises(NoReverseMatch):
        reverse("admin:clients_client_changelist")
