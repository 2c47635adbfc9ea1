import datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import selectors, services
from clients import access as client_access
from practice import selectors as practice_selectors
from practice.csvutil import escape_cell
from practice.permissions import admin_required, require_admin
from practice.tenancy import firm_scope
from practice.web import (
    csv_delimiter,
    csv_lines,
    csv_response,
    errors_to_messages,
    htmx_target,
    partial,
)
from subscriptions import selectors as subscription_selectors

ADMINS_ONLY = gettext_lazy("Only the firm's admins manage billing.")


def index(request, firm_slug):
    """Subscriptions & billing, "Accountant-billed subscriptions" tab (R17)."""
    q = request.GET.get("q", "").strip()
    clients = subscription_selectors.wholesale_clients(membership=request.membership, q=q)
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "profile": practice_selectors.billing_profile(firm=request.firm),
        "pending_count": subscription_selectors.pending_wholesale_count(
            membership=request.membership
        ),
        "tab": "wholesale",
    }
    template = "billing/index.html"
    if htmx_target(request) == "wholesale-results":
        template = partial(request, template, "results")
    return render(request, template, context)


def client_subscriptions(request, firm_slug, client_id):
    """One wholesale client's subscriptions with their actions menus (the ▶ row)."""
    client = client_access.access_client_by_id(membership=request.membership, client_id=client_id)
    subs = subscription_selectors.wholesale_client_detail(
        firm=request.firm, client=client, membership=request.membership
    )
    context = {"client": client, "subscriptions": subs, "colspan": 5}
    return render(request, partial(request, "billing/client_subscriptions.html", "detail"), context)


@admin_required(message=ADMINS_ONLY)
def statements(request, firm_slug):
    year, month = services.previous_month()
    return render(
        request,
        "billing/statements.html",
        {
            "statements": selectors.statements_for(firm=request.firm),
            "tab": "statements",
            "last_month": datetime.date(year, month, 1),
        },
    )


@require_POST
@admin_required(message=ADMINS_ONLY)
def statement_issue(request, firm_slug):
    """Issue last month's statement now, rather than waiting for the nightly run."""
    year, month = services.previous_month()
    try:
        statement = services.statement_generate(
            firm=request.firm, year=year, month=month, by=request.membership
        )
    except ValidationError as exc:
        errors_to_messages(request, exc)
        return redirect("billing:statements", firm_slug=firm_slug)
    return redirect("billing:statement", firm_slug=firm_slug, statement_id=statement.pk)


def statement(request, firm_slug, statement_id):
    # The lookup comes first: a missing or foreign statement answers 404 to everyone.
    stmt = selectors.access_statement_by_id(firm=request.firm, statement_id=statement_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    page = Paginator(selectors.statement_lines(statement=stmt), 200).get_page(
        request.GET.get("page")
    )
    return render(
        request, "billing/statement.html", {"statement": stmt, "page": page, "tab": "statements"}
    )


def statement_csv(request, firm_slug, statement_id):
    """The statement's lines as CSV, amounts with a dot decimal separator."""
    stmt = selectors.access_statement_by_id(firm=request.firm, statement_id=statement_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    header = [
        _("Client"),
        _("Product"),
        _("Currency"),
        _("Monthly list price"),
        _("Days billed"),
        _("Days in month"),
        _("List amount"),
        _("Discount"),
        _("Net"),
    ]

    def rows():
        yield header
        for line in selectors.statement_lines(statement=stmt).iterator(chunk_size=2000):
            yield [
                escape_cell(line.client_name),
                escape_cell(line.product_label),
                line.currency,
                line.monthly_list_price,
                line.days,
                line.days_in_month,
                line.list_amount,
                line.discount_amount,
                line.net_amount,
            ]
        for total in stmt.totals.all():
            yield [
                _("Total"),
                "",
                total.currency,
                "",
                "",
                "",
                total.list_amount,
                total.discount_amount,
                total.net_amount,
            ]

    delimiter = csv_delimiter()

    def chunks():
        # Streaming runs after the tenant gate returned: enter the scope again.
        with firm_scope(request.firm):
            yield "\ufeff"
            yield from csv_lines(rows(), delimiter=delimiter)

    return csv_response(chunks(), filename=f"statement-{request.firm.slug}-{stmt.month:%Y-%m}.csv")
