import csv
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.models import Statement
from clients.models import Client
from practice.csvutil import escape_cell
from practice.models import BillingProfile
from practice.tenancy import firm_scope, get_in_firm_or_404
from subscriptions import selectors as subscription_selectors
from subscriptions.models import Billing, Subscription, SubscriptionStatus


def _partial(request, template: str, name: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{name}"
    return template


def _require_admin(request) -> None:
    if not request.membership.is_admin:
        raise PermissionDenied(_("Only the firm's admins manage billing."))


def index(request, firm_slug):
    """Subscriptions & billing, "Accountant-billed subscriptions" tab (R17)."""
    q = request.GET.get("q", "").strip()
    clients = subscription_selectors.wholesale_clients(firm=request.firm, q=q)
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    profile = BillingProfile.objects.filter(firm=request.firm).first()
    pending = Subscription.objects.filter(
        firm=request.firm, billing=Billing.WHOLESALE, status=SubscriptionStatus.PENDING
    ).count()
    context = {
        "page": page,
        "q": q,
        "profile": profile,
        "pending_count": pending,
        "tab": "wholesale",
    }
    template = "billing/index.html"
    if request.htmx and request.htmx.target == "wholesale-results":
        template = _partial(request, template, "results")
    return render(request, template, context)


def client_subscriptions(request, firm_slug, client_id):
    """One wholesale client's subscriptions with their actions menus (the ▶ row)."""
    client = get_in_firm_or_404(Client, firm=request.firm, pk=client_id)
    subs = subscription_selectors.wholesale_client_detail(
        firm=request.firm, client=client, membership=request.membership
    )
    context = {"client": client, "subscriptions": subs, "colspan": 5}
    return render(
        request, _partial(request, "billing/client_subscriptions.html", "detail"), context
    )


def statements(request, firm_slug):
    _require_admin(request)
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
def statement_issue(request, firm_slug):
    """Issue last month's statement now, rather than waiting for the nightly run."""
    _require_admin(request)
    year, month = services.previous_month()
    try:
        statement = services.statement_generate(
            firm=request.firm, year=year, month=month, by=request.membership
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("billing:statements", firm_slug=firm_slug)
    return redirect("billing:statement", firm_slug=firm_slug, statement_id=statement.pk)


def statement(request, firm_slug, statement_id):
    stmt = get_in_firm_or_404(
        Statement.objects.prefetch_related("totals"), firm=request.firm, pk=statement_id
    )
    _require_admin(request)
    page = Paginator(selectors.statement_lines(statement=stmt), 200).get_page(
        request.GET.get("page")
    )
    return render(
        request, "billing/statement.html", {"statement": stmt, "page": page, "tab": "statements"}
    )


class _Echo:
    def write(self, value):
        return value


def statement_csv(request, firm_slug, statement_id):
    """The statement's lines as CSV, amounts with a dot decimal separator."""
    stmt = get_in_firm_or_404(Statement, firm=request.firm, pk=statement_id)
    _require_admin(request)
    writer = csv.writer(_Echo())
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
        # Streaming runs after the tenant gate returned: enter the scope again.
        with firm_scope(request.firm):
            yield from _rows()

    def _rows():
        yield "\ufeff" + writer.writerow(header)
        for line in selectors.statement_lines(statement=stmt).iterator(chunk_size=2000):
            yield writer.writerow(
                [
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
            )
        for total in stmt.totals.all():
            yield writer.writerow(
                [
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
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{request.firm.slug}-{stmt.month:%Y-%m}.csv"'
    )
    return response
