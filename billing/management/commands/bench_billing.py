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
    def _populate(self, firm: Firm, count: int) -> None:
        plans = list(Product.objects.filter(kind="plan", family="online").order_by("tier"))
        rate = DiscountPolicy.current().wholesale_rate
        year, month = previous_month()
        first = datetime.date(year, month, 1)
        long_ago = add_months(first, -3)
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
