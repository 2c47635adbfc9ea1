import datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy, override
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from billing import documents, pdf_requests, selectors, services
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
    htmx_partial,
    htmx_target,
    partial,
)
from subscriptions import selectors as subscription_selectors

ADMINS_ONLY = gettext_lazy("Only the firm's admins manage billing.")
LINES_PER_PAGE = 200


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


def _admin_statement(request, statement_id):
    # The lookup comes first: a missing or foreign statement answers 404 to everyone.
    stmt = selectors.access_statement_by_id(firm=request.firm, statement_id=statement_id)
    require_admin(request.membership, message=str(ADMINS_ONLY))
    return stmt


def statement(request, firm_slug, statement_id):
    """The statement: its summary, then each client's lines with their parts (R36)."""
    stmt = _admin_statement(request, statement_id)
    lines = selectors.statement_lines(statement=stmt)
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for line in page.object_list:
        line.statement = stmt
        line.parts = documents.parts_of(line)
    return render(
        request,
        "billing/statement.html",
        {
            "statement": stmt,
            "summary": documents.statement_summary(statement=stmt),
            "page": page,
            "blocks": documents.page_blocks(lines, page),
            "tab": "statements",
        },
    )


def statement_csv(request, firm_slug, statement_id):
    """One row per part of each line, then the totals (R36); amounts with a dot."""
    stmt = _admin_statement(request, statement_id)
    delimiter = csv_delimiter()
    language = get_language()

    def rows():
        yield documents.statement_csv_header()
        for row in documents.statement_csv_rows(statement=stmt):
            yield [escape_cell(v) if isinstance(v, str) else v for v in row]

    def chunks():
        # Streaming runs after the tenant gate returned: enter the scope again.
        with firm_scope(request.firm), override(language):
            yield "\ufeff"
            yield from csv_lines(rows(), delimiter=delimiter)

    return csv_response(chunks(), filename=f"statement-{request.firm.slug}-{stmt.month:%Y-%m}.csv")


def statement_pdf(request, firm_slug, statement_id):
    """The statement as a PDF in the reader's language; a large one is rendered in
    the background while this page waits for it."""
    stmt = _admin_statement(request, statement_id)
    polling = htmx_partial(request)
    pdf = pdf_requests.statement_pdf_request(
        statement=stmt, language=get_language(), retry=not polling
    )
    context = {"statement": stmt, "pdf": pdf, "tab": "statements"}
    if polling:
        response = render(request, "billing/statement_pdf_wait.html#status", context)
        if pdf.content is not None or pdf.error:
            return HttpResponseStopPolling(response.content)
        return response
    if pdf.content is not None:
        response = HttpResponse(bytes(pdf.content), content_type="application/pdf")
        name = f"statement-{request.firm.slug}-{stmt.month:%Y-%m}-{pdf.language}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "billing/statement_pdf_wait.html", context)
