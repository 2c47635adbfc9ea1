"""The statement page (R36) in pages of lines: a client whose lines cross a page
boundary is marked on both pages, and gets one subtotal, of all its lines, under
its last line."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from billing import services as billing_services
from billing import views as billing_views
from tests.billing.factories import wholesale_client

pytestmark = pytest.mark.django_db


def _totals(html: str) -> list[str]:
    return re.findall(r'<tr class="client-total">\s*<td colspan="6">([^<]*)</td>', html)


def test_r36_a_client_across_two_pages_has_one_subtotal_of_all_its_lines(
    firm, primary_admin, client_for, monkeypatch
):
    monkeypatch.setattr(billing_views, "LINES_PER_PAGE", 2)
    wholesale_client(firm, "Alpha", "essentials", "payroll", "time")
    wholesale_client(firm, "Beta", "essentials")
    wholesale_client(firm, "Gamma", "plus", "payroll")
    with scope(firm=firm):
        stmt = billing_services.statement_generate(firm=firm, year=2025, month=2)
        alpha = sum(line.net_amount for line in stmt.lines.filter(client_name="Alpha"))
        gamma = sum(line.net_amount for line in stmt.lines.filter(client_name="Gamma"))
    assert stmt.line_count == 6 and alpha > Decimal("0")
    web = client_for(primary_admin)
    url = reverse("billing:statement", args=[firm.slug, stmt.pk])
    first, second, third = (web.get(f"{url}?page={n}").content.decode() for n in (1, 2, 3))
    # Page 1: two of Alpha's three lines, to be continued, no subtotal yet.
    assert 'data-testid="block-continues"' in first and _totals(first) == []
    assert 'data-testid="block-continued"' not in first
    # Page 2: Alpha's last line, marked continued, under it the subtotal of all three.
    assert 'data-testid="block-continued"' in second
    assert 'data-testid="block-continues"' not in second
    assert _totals(second) == ["Total Alpha (EUR)"]
    subtotal = second.split('<tr class="client-total">', 1)[1].split("</tr>", 1)[0]
    assert f"{alpha:.2f}" in subtotal.replace("\u202f", "").replace(",", "")
    # Page 3: Gamma whole, as on a single page.
    assert _totals(third) == ["Total Gamma (EUR)"]
    assert (
        "continued" not in third.split('data-testid="statement-lines"', 1)[1].split("</table>")[0]
    )
    assert gamma > Decimal("0")
