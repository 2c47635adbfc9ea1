"""The statement benchmark (R21) on a small scale: its SQL data generator writes the
same clients, subscriptions and charge periods as the ORM one, and the statement it times
agrees with the SQL reference."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from billing.management.commands.bench_billing import Command
from billing.models import Statement
from clients.models import Client, ClientNumber
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


COMPARED_CLIENT_FIELDS = (
    "display_name",
    "client_type",
    "status",
    "billing",
    "initial_billing",
    "search_name",
    "company_name",
    "lead_accountant_id",
    "tax_preparation_status",
    "tax_return_status",
    "version",
    "client_number",
)
COMPARED_SUBSCRIPTION_FIELDS = (
    "client__display_name",
    "product__code",
    "parent_id",
    "billing",
    "status",
    "currency",
    "discount_rate",
    "discount_until",
    "rate_since",
    "start_date",
    "ended_on",
)
COMPARED_PERIOD_FIELDS = (
    "client__display_name",
    "client_name",
    "subscription__product__code",
    "product__code",
    "payer",
    "currency",
    "discount_rate",
    "discount_until",
    "rate_since",
    "starts_on",
    "ends_on",
)


def _rows(model, firm, fields, *order) -> list[tuple]:
    return list(model.objects.filter(firm=firm).order_by(*order).values_list(*fields))


@postgresql_only
@pytest.mark.django_db
def test_r21_bench_billing_sql_data_matches_the_orm_data():
    ensure_catalogue()
    command = Command()
    with scopes_disabled():
        by_sql, by_orm = command._firm(), command._firm()
        command._populate(by_sql, 140, by_sql=True)
        command._populate(by_orm, 140, by_sql=False)
        periods = _rows(
            ChargePeriod, by_sql, COMPARED_PERIOD_FIELDS, "subscription_ref", "starts_on"
        )
        # 140 subscriptions; the upgraded ones (i mod 10 = 1, below the top tier)
        # have two periods.
        assert len(periods) > 140
        assert periods == _rows(
            ChargePeriod, by_orm, COMPARED_PERIOD_FIELDS, "subscription_ref", "starts_on"
        )
        subscriptions = _rows(Subscription, by_sql, COMPARED_SUBSCRIPTION_FIELDS, "pk")
        assert len(subscriptions) == 140
        assert subscriptions == _rows(Subscription, by_orm, COMPARED_SUBSCRIPTION_FIELDS, "pk")
        clients = _rows(Client, by_sql, COMPARED_CLIENT_FIELDS, "pk")
        assert clients == _rows(Client, by_orm, COMPARED_CLIENT_FIELDS, "pk")
        assert [c[:4] for c in clients] == [
            (f"Bench client {i:06d}", "business", "active", "wholesale") for i in range(140)
        ]
        # Every client has its number row, as the models make it.
        assert ClientNumber._base_manager.filter(firm=by_sql).count() == 140


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
