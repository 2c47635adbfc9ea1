"""Benchmark: issue a monthly statement for a firm with 100,000 wholesale
subscriptions (target: at most 10 s on PostgreSQL). Prints `name value unit`."""

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from billing.models import Statement, StatementLine, StatementTotal
from billing.services import previous_month, statement_generate
from clients.management.benchdata import analyze
from clients.models import BillingChoice, Client, ClientNumber, ClientType
from practice.models import ActivityEvent, Firm
from practice.tenancy import firm_scope, scopes_disabled
from subscriptions.models import (
    Billing,
    ChargePeriod,
    DiscountPolicy,
    Payer,
    Product,
    Subscription,
    SubscriptionStatus,
)
from subscriptions.pricing import add_months

BATCH = 5000

# Per subscription: the month's days at each period's price, list and net each
# rounded half up to the cent once per line (as subscriptions.pricing does), then
# summed per currency.
REFERENCE_SQL = """
WITH prices AS (
    SELECT DISTINCT ON (product_id, currency) product_id, currency, monthly_amount
    FROM subscriptions_price WHERE effective_from <= %(first)s
    ORDER BY product_id, currency, effective_from DESC
), lines AS (
    SELECT p.currency,
           SUM(pr.monthly_amount * d.days) / (%(next)s::date - %(first)s::date) AS list_exact,
           SUM(pr.monthly_amount * d.days * (1 - p.discount_rate))
               / (%(next)s::date - %(first)s::date) AS net_exact
    FROM subscriptions_chargeperiod p
    JOIN prices pr ON pr.product_id = p.product_id AND pr.currency = p.currency
    CROSS JOIN LATERAL (SELECT LEAST(COALESCE(p.ends_on, %(next)s), %(next)s)
                               - GREATEST(p.starts_on, %(first)s) AS days) d
    WHERE p.firm_id = %(firm)s AND p.payer = 'firm' AND p.starts_on < %(next)s
      AND (p.ends_on IS NULL OR p.ends_on > %(first)s)
    GROUP BY p.subscription_ref, p.currency
)
SELECT currency, SUM(ROUND(list_exact, 2)), SUM(ROUND(net_exact, 2)), COUNT(*)
FROM lines GROUP BY currency
"""

# The same data as _populate_orm, written by PostgreSQL itself: client i is the
# active business "Bench client <i>", billed wholesale, with its (empty) number row;
# subscription i (in the clients' order) is on plan i mod the number of plans, in CAD
# when i mod 10 is 0.
CLIENTS_SQL = """
WITH named AS (
    SELECT i, nextval(%(ids)s::regclass) AS id, 'Bench client ' || lpad(i::text, 6, '0') AS name
    FROM generate_series(0, %(count)s - 1) AS i
), inserted AS (
    INSERT INTO clients_client (
        id, firm_id, client_type, display_name, company_name, first_name, last_name,
        email, phone, address, notes, company_id, status, firm_is_primary_admin,
        tax_preparation_status, tax_return_status, initial_billing, initial_plan_code,
        billing, products_summary, search_name, created_at, updated_at, version
    )
    SELECT id, %(firm)s, 'business', name, '', '', '', '', '', '', '',
           '9' || lpad(i::text, 15, '0'), 'active', false, 'not_started', 'not_filed',
           'none', '', 'wholesale', '', lower(name), now(), now(), 1
    FROM named ORDER BY i
)
INSERT INTO clients_clientnumber (firm_id, client_id, number, version, updated_at)
SELECT %(firm)s, id, NULL, 0, now() FROM named ORDER BY i
"""
SUBSCRIPTIONS_SQL = """
INSERT INTO subscriptions_subscription (
    firm_id, client_id, product_id, billing, status, currency, discount_rate,
    start_date, created_at
)
SELECT %(firm)s, id, (%(plans)s::bigint[])[1 + i %% cardinality(%(plans)s::bigint[])],
       'wholesale', 'active', CASE WHEN i %% 10 = 0 THEN 'CAD' ELSE 'EUR' END,
       %(rate)s, %(long_ago)s, now()
FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i
      FROM clients_client WHERE firm_id = %(firm)s) AS c
ORDER BY i
"""
# Upgraded within the month (i mod 10 = 1, below the top tier): two periods; started
# within the month (i mod 20 = 2): one from that day; any other: one from long ago.
PERIODS_SQL = """
WITH subs AS (
    SELECT s.id, s.client_id, s.product_id, s.currency, c.display_name, p.tier,
           (row_number() OVER (ORDER BY s.id) - 1)::int AS i
    FROM subscriptions_subscription s
    JOIN clients_client c ON c.id = s.client_id AND c.firm_id = s.firm_id
    JOIN subscriptions_product p ON p.id = s.product_id
    WHERE s.firm_id = %(firm)s
), upgraded AS (
    SELECT *, i %% 10 = 1 AND tier < %(top)s AS up, %(first)s::date + (1 + i %% 25) AS change
    FROM subs
)
INSERT INTO subscriptions_chargeperiod (
    firm_id, subscription_id, subscription_ref, client_id, client_name, product_id,
    payer, currency, discount_rate, starts_on, ends_on
)
SELECT %(firm)s, u.id, u.id, u.client_id, u.display_name, v.product_id, 'firm',
       u.currency, %(rate)s, v.starts_on, v.ends_on
FROM upgraded u CROSS JOIN LATERAL (
    SELECT u.product_id, %(long_ago)s::date, u.change WHERE u.up
    UNION ALL SELECT (%(plans)s::bigint[])[u.tier + 1], u.change, NULL WHERE u.up
    UNION ALL SELECT u.product_id, %(first)s::date + u.i %% 27, NULL
        WHERE NOT u.up AND u.i %% 20 = 2
    UNION ALL SELECT u.product_id, %(long_ago)s::date, NULL
        WHERE NOT u.up AND u.i %% 20 <> 2
) AS v (product_id, starts_on, ends_on)
ORDER BY u.id, v.starts_on
"""


class Command(BaseCommand):
    help = "Time statement generation for a firm with many wholesale subscriptions."

    def add_arguments(self, parser):
        parser.add_argument("--subscriptions", type=int, default=100_000)
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark firm.")

    def out(self, name, value, unit):
        self.stdout.write(f"{name} {value} {unit}")

    def handle(self, *args, **options):
        count = options["subscriptions"]
        if connection.vendor != "postgresql":
            self.stderr.write("Note: set DATABASE_URL to PostgreSQL for meaningful figures.")
        with scopes_disabled():
            firm = self._firm()
            try:
                started = time.perf_counter()
                self._populate(firm, count)
                if connection.vendor == "postgresql":
                    # What the database does on its own after a bulk load (autovacuum,
                    # a checkpoint), so that it does not happen during the measure.
                    analyze(*(m._meta.db_table for m in (Client, Subscription, ChargePeriod)))
                self.out("billing.bench_setup", f"{time.perf_counter() - started:.2f}", "s")
                year, month = previous_month()
                with firm_scope(firm):
                    started = time.perf_counter()
                    statement = statement_generate(firm=firm, year=year, month=month)
                    elapsed = time.perf_counter() - started
                    self.out("billing.statement_generate", f"{elapsed:.2f}", "s")
                    self.out("billing.statement_lines", statement.line_count, "lines")
                    self.out(
                        "billing.statement_throughput",
                        f"{statement.line_count / elapsed:.0f}",
                        "lines/s",
                    )
                    started = time.perf_counter()
                    again = statement_generate(firm=firm, year=year, month=month)
                    self.out("billing.statement_rerun", f"{time.perf_counter() - started:.3f}", "s")
                    assert again.pk == statement.pk
                    for total in statement.totals.all():
                        self.out(
                            f"billing.statement_net_{total.currency}",
                            total.net_amount,
                            total.currency,
                        )
                    self._reference(firm, statement, elapsed)
            finally:
                if not options["keep"]:
                    self._drop(firm)

    def _reference(self, firm: Firm, statement: Statement, elapsed: float) -> None:
        """The physical reference: one SQL aggregate computing the same totals (for
        the benchmark's data: one price per product and currency in force, no discount
        ending within the month), timed beside the statement and checked against it."""
        if connection.vendor != "postgresql":
            return
        first = statement.month
        next_first = add_months(first, 1)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(REFERENCE_SQL, {"firm": firm.pk, "first": first, "next": next_first})
            rows = cursor.fetchall()
        seconds = time.perf_counter() - started
        self.out("billing.statement_sql_reference_seconds", f"{seconds:.2f}", "s")
        self.out("billing.statement_vs_sql_reference", f"{elapsed / seconds:.1f}", "x")
        ours = {
            t.currency: (t.list_amount, t.net_amount, t.line_count) for t in statement.totals.all()
        }
        theirs = {currency: (list_, net, n) for currency, list_, net, n in rows}
        self.out("billing.statement_sql_reference_agrees", int(ours == theirs), "bool")

    def _firm(self) -> Firm:
        stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
        return Firm.objects.create(
            name=f"Bench billing {stamp}",
            slug=f"bench-billing-{stamp}",
            country="FR",
            currency="EUR",
            language="en",
        )

    @transaction.atomic
    def _populate(self, firm: Firm, count: int, *, by_sql: bool | None = None) -> None:
        """`count` wholesale clients, a plan each, and their charge periods: by SQL
        on PostgreSQL (seconds instead of a minute), by the ORM elsewhere."""
        if by_sql is None:
            by_sql = connection.vendor == "postgresql"
        plans = list(Product.objects.filter(kind="plan", family="online").order_by("tier"))
        rate = DiscountPolicy.current().wholesale_rate
        year, month = previous_month()
        first = datetime.date(year, month, 1)
        long_ago = add_months(first, -3)
        if not by_sql:
            self._populate_orm(firm, count, plans, rate, first, long_ago)
            return
        params = {
            "count": count,
            "firm": firm.pk,
            "plans": [plan.pk for plan in plans],
            "top": plans[-1].tier,
            "rate": rate,
            "first": first,
            "long_ago": long_ago,
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('clients_client', 'id')")
            params["ids"] = cursor.fetchone()[0]
            cursor.execute(CLIENTS_SQL, params)
            cursor.execute(SUBSCRIPTIONS_SQL, params)
            cursor.execute(PERIODS_SQL, params)

    def _populate_orm(self, firm, count, plans, rate, first, long_ago) -> None:
        clients = Client.objects.bulk_create(
            [
                Client(
                    firm=firm,
                    client_type=ClientType.BUSINESS,
                    display_name=f"Bench client {i:06d}",
                    billing=BillingChoice.WHOLESALE,
                )
                for i in range(count)
            ],
            batch_size=BATCH,
        )
        subs = Subscription.objects.bulk_create(
            [
                Subscription(
                    firm=firm,
                    client=client,
                    product=plans[i % len(plans)],
                    billing=Billing.WHOLESALE,
                    status=SubscriptionStatus.ACTIVE,
                    currency="CAD" if i % 10 == 0 else "EUR",
                    discount_rate=rate,
                    start_date=long_ago,
                )
                for i, client in enumerate(clients)
            ],
            batch_size=BATCH,
        )
        periods = []
        for i, sub in enumerate(subs):
            common = {
                "firm": firm,
                "subscription": sub,
                "subscription_ref": sub.pk,
                "client": sub.client,
                "client_name": sub.client.display_name,
                "payer": Payer.FIRM,
                "currency": sub.currency,
                "discount_rate": rate,
            }
            if i % 10 == 1 and sub.product.tier < plans[-1].tier:
                # Upgraded within the month: two periods, prorated by day.
                change = first + datetime.timedelta(days=1 + i % 25)
                periods.append(
                    ChargePeriod(product=sub.product, starts_on=long_ago, ends_on=change, **common)
                )
                periods.append(
                    ChargePeriod(product=plans[sub.product.tier], starts_on=change, **common)
                )
            elif i % 20 == 2:
                # Started within the month.
                periods.append(
                    ChargePeriod(
                        product=sub.product,
                        starts_on=first + datetime.timedelta(days=i % 27),
                        **common,
                    )
                )
            else:
                periods.append(ChargePeriod(product=sub.product, starts_on=long_ago, **common))
        ChargePeriod.objects.bulk_create(periods, batch_size=BATCH)

    def _drop(self, firm: Firm) -> None:
        """Remove the benchmark firm's rows directly (issued statements refuse deletion)."""
        models = [
            StatementLine,
            StatementTotal,
            Statement,
            ChargePeriod,
            Subscription,
            ClientNumber,
            Client,
            ActivityEvent,
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE firm_id = %s", [firm.pk])  # noqa: S608
            cursor.execute(f"DELETE FROM {Firm._meta.db_table} WHERE id = %s", [firm.pk])  # noqa: S608
