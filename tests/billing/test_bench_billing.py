"""The statement benchmark (R21) on a small scale: its SQL data generator writes the
same subscriptions and charge periods as the ORM one, and the statement it times
agrees with the SQL reference."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from billing.management.commands.bench_billing import Command
from billing.models import Statement
from clients.models import Client
from subscriptions.models import ChargePeriod, Subscription
from tests.subscriptions.factories import ensure_catalogue

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL data generator is PostgreSQL's"
)
LINE = re.compile(r"^([A-Za-z0-9_.]+) (-?[0-9.]+) ([A-Za-z/]+)$")


def _figures(text: str) -> dict[str, float]:
    figures = {}
    for line in text.splitlines():
        match = LINE.match(line)
        assert match, line
        figures[match.group(1)] = float(match.group(2))
    return figures


def _periods(firm) -> list[tuple]:
    return list(
        ChargePeriod.objects.filter(firm=firm)
        .order_by("subscription_ref", "starts_on")
        .values_list("product__code", "payer", "currency", "discount_rate", "starts_on", "ends_on")
    )


@postgresql_only
@pytest.mark.django_db
def test_r21_bench_billing_sql_data_matches_the_orm_data():
    ensure_catalogue()
    command = Command()
    with scopes_disabled():
        by_sql, by_orm = command._firm(), command._firm()
        command._populate(by_sql, 140, by_sql=True)
        command._populate(by_orm, 140, by_sql=False)
        sql_periods = _periods(by_sql)
        # 140 subscriptions; the upgraded ones (i mod 10 = 1, below the top tier)
        # have two periods.
        assert len(sql_periods) > 140
        assert sql_periods == _periods(by_orm)
        for firm in (by_sql, by_orm):
            assert Client.objects.filter(firm=firm, billing="wholesale").count() == 140
            clients = Client.objects.filter(firm=firm).values_list("pk", flat=True)
            assert set(
                Subscription.objects.filter(firm=firm).values_list("client_id", flat=True)
            ) == set(clients)
        names = set(ChargePeriod.objects.filter(firm=by_sql).values_list("client_name", flat=True))
        assert names == set(
            Client.objects.filter(firm=by_sql).values_list("display_name", flat=True)
        )


# Outside a test transaction: on PostgreSQL the benchmark runs VACUUM.
@pytest.mark.django_db(transaction=True)
def test_r21_bench_billing_prints_every_figure_and_cleans_up():
    ensure_catalogue()
    out = io.StringIO()
    call_command("bench_billing", subscriptions=200, stdout=out, stderr=io.StringIO())
    figures = _figures(out.getvalue())
    assert figures["billing.statement_lines"] == 200
    assert figures["billing.statement_generate"] > 0
    assert figures["billing.statement_net_EUR"] > 0
    if "billing.statement_sql_reference_agrees" in figures:  # PostgreSQL only
        assert figures["billing.statement_sql_reference_agrees"] == 1
    with scopes_disabled():
        assert not Statement.objects.exists()
        assert not Client.objects.filter(firm__slug__startswith="bench-billing-").exists()
