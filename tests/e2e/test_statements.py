"""Browser test of the statement (R36): the summary, each client's parts, the CSV
and PDF links, in English and French at 1366 px; screenshots of the page and of
the PDF's pages land in test-artifacts/."""

import datetime
import pathlib
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from billing.services import statement_generate
from clients.models import BillingChoice
from subscriptions.models import PlanChange, Price
from subscriptions.periods import close_period, open_period
from tests.billing.factories import wholesale_client
from tests.clients.factories import ClientFactory
from tests.subscriptions.factories import SubscriptionFactory, product

if not (pathlib.Path(__file__).parent / "conftest.py").exists():
    pytest.skip("the e2e fixtures are not here yet", allow_module_level=True)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]
JAN = datetime.date(2025, 1, 1)


def _statement(firm):
    with scopes_disabled():
        subs = []
        for i, (name, code) in enumerate(
            [
                ("Atelier Roux", "essentials"),
                ("Boulangerie Petit", "plus"),
                ("Zinc & Fils", "advanced"),
            ]
        ):
            client = ClientFactory(
                firm=firm,
                display_name=name,
                client_number=f"C-{i + 1:03d}",
                initial_billing=BillingChoice.WHOLESALE,
            )
            subs.append(SubscriptionFactory(client=client, product=product(code), start_date=JAN))
        # Atelier Roux upgraded to Plus on 20 February.
        sub = subs[0]
        on = datetime.date(2025, 2, 20)
        close_period(sub, on=on)
        before, sub.product = sub.product, product("plus")
        sub.save(update_fields=["product"])
        open_period(sub, on=on)
        PlanChange.objects.create(
            firm=firm,
            subscription=sub,
            kind="upgrade",
            from_product=before,
            to_product=sub.product,
            effective_on=on,
        )
        Price.objects.create(
            product=product("essentials"),
            currency="EUR",
            monthly_amount=Decimal("31.00"),
            effective_from=datetime.date(2025, 2, 15),
        )
    with scope(firm=firm):
        return statement_generate(firm=firm, year=2025, month=2)


def test_r36_statement_page_and_pdf_in_both_languages(
    page, live_server, login, firm, primary_admin, artifacts
):
    stmt = _statement(firm)
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": 1366, "height": 900})
    url = live_server.url + reverse("billing:statement", args=[firm.slug, stmt.pk])
    pdf_url = live_server.url + reverse("billing:statement_pdf", args=[firm.slug, stmt.pk])
    for language, parts_title in (("en", "Detail by client"), ("fr", "Détail par client")):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.goto(url)
        expect(page.get_by_role("heading", name=parts_title)).to_be_visible()
        expect(page.get_by_test_id("statement-summary")).to_be_visible()
        expect(page.get_by_test_id("part")).to_have_count(5)
        expect(page.get_by_test_id("line-total")).to_have_count(1)
        issued = page.get_by_test_id("statement-issued").inner_text()
        assert ".." not in issued
        page.screenshot(path=str(artifacts / f"statement-{language}.png"), full_page=True)
        response = page.request.get(pdf_url)
        assert response.headers["content-type"] == "application/pdf"
        pdf = artifacts / f"statement-{language}.pdf"
        pdf.write_bytes(response.body())
        if shutil.which("pdftoppm"):
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    str(pdf),
                    str(artifacts / f"statement-pdf-{language}"),
                ],
                check=True,
            )


def test_r36_a_pdf_that_cannot_be_prepared_says_so_in_both_languages(
    page, live_server, login, firm, primary_admin, artifacts, monkeypatch
):
    """A rendering failure is a page with the way on (try again, the CSV), not a 500."""
    from billing import pdf as billing_pdf

    def fail(*, statement, language):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(billing_pdf, "statement_pdf_bytes", fail)
    stmt = _statement(firm)
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": 1366, "height": 900})
    pdf_url = live_server.url + reverse("billing:statement_pdf", args=[firm.slug, stmt.pk])
    for language, message, again in (
        ("en", "The PDF could not be prepared.", "Try again"),
        ("fr", "Le PDF n'a pas pu être préparé.", "Réessayer"),
    ):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        response = page.goto(pdf_url)
        assert response.status == 200
        expect(page.get_by_test_id("pdf-status")).to_contain_text(message)
        expect(page.get_by_role("link", name=again)).to_be_visible()
        page.screenshot(
            path=str(artifacts / f"statement-pdf-failed-{language}.png"), full_page=True
        )


def test_r36_a_client_across_two_pages_is_marked_on_both_in_both_languages(
    page, live_server, login, firm, primary_admin, artifacts, monkeypatch
):
    """Two lines a page: Atelier Roux's plan and two add-ons are split over pages 1
    and 2, its subtotal (of all three) under its last line, on page 2."""
    from billing import views as billing_views

    monkeypatch.setattr(billing_views, "LINES_PER_PAGE", 2)
    wholesale_client(firm, "Atelier Roux", "plus", "payroll", "time")
    wholesale_client(firm, "Zinc & Fils", "essentials")
    with scope(firm=firm):
        stmt = statement_generate(firm=firm, year=2025, month=2)
    login(page, live_server, primary_admin.user)
    page.set_viewport_size({"width": 1366, "height": 900})
    url = live_server.url + reverse("billing:statement", args=[firm.slug, stmt.pk])
    for language, continued, on_next in (
        ("en", "(continued)", "continued on the next page"),
        ("fr", "(suite)", "suite à la page suivante"),
    ):
        page.context.add_cookies([{"name": "language", "value": language, "url": live_server.url}])
        page.goto(url)
        expect(page.get_by_test_id("block-continues")).to_contain_text(on_next)
        expect(page.locator("tr.client-total")).to_have_count(0)
        page.screenshot(path=str(artifacts / f"statement-split-1-{language}.png"), full_page=True)
        page.goto(url + "?page=2")
        expect(page.get_by_test_id("block-continued")).to_have_text(continued)
        expect(page.locator("tr.client-total")).to_have_count(1)
        page.screenshot(path=str(artifacts / f"statement-split-2-{language}.png"), full_page=True)
