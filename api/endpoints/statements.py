"""Monthly wholesale statements (R21, R36): the list, one with its lines, and
its CSV (the billing pages' own). The firm's admins only, like the pages."""

from django.utils.translation import gettext as _
from ninja import Query, Router

from api.cursors import cursor_dump, cursor_load
from api.schemas.billing import LinesQuery, StatementDetailOut, StatementListOut
from billing import selectors
from billing import views as billing_views
from billing.models import Statement
from clients.paging import RowCompare
from practice.permissions import require_admin

router = Router()

CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "The statement's lines and totals per currency, as CSV.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def _admin(request) -> None:
    require_admin(request.membership, message=_("Only the firm's admins manage billing."))


def statement_data(statement: Statement) -> dict:
    return {
        "id": statement.pk,
        "month": statement.month,
        "issued_at": statement.issued_at,
        "line_count": statement.line_count,
        "totals": [
            {
                "currency": total.currency,
                "list_amount": str(total.list_amount),
                "discount_amount": str(total.discount_amount),
                "net_amount": str(total.net_amount),
                "line_count": total.line_count,
            }
            for total in statement.totals.all()
        ],
    }


def _line(line) -> dict:
    return {
        "id": line.pk,
        "client_id": line.client_id,
        "client_name": line.client_name,
        "subscription_id": line.subscription_ref,
        "product": line.product_label,
        "currency": line.currency,
        "monthly_list_price": str(line.monthly_list_price),
        "days": line.days,
        "days_in_month": line.days_in_month,
        "list_amount": str(line.list_amount),
        "discount_amount": str(line.discount_amount),
        "net_amount": str(line.net_amount),
        "parts": [part for part in (line.detail or []) if isinstance(part, dict)],
    }


@router.get("", response=StatementListOut, summary="List statements")
def statement_list(request):
    """The firm's statements, newest month first, with their totals per currency."""
    _admin(request)
    return {"items": [statement_data(s) for s in selectors.statements_for(firm=request.firm)]}


@router.get("/{int:statement_id}", response=StatementDetailOut, summary="Get a statement")
def statement_get(request, statement_id: int, query: Query[LinesQuery]):
    """The statement, its totals and a page of its lines (by client name)."""
    statement = selectors.access_statement_by_id(firm=request.firm, statement_id=statement_id)
    _admin(request)
    state = {"statement": statement.pk}
    lines = selectors.statement_lines(statement=statement).order_by(
        "client_name", "subscription_ref", "pk"
    )
    if query.cursor:
        name, ref, pk = cursor_load(query.cursor, query=state)
        lines = lines.filter(
            RowCompare(["client_name", "subscription_ref", "pk"], ">", [name, ref, pk])
        )
    rows = list(lines[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    last = rows[-1] if rows else None
    data = statement_data(statement)
    data["lines"] = [_line(line) for line in rows]
    data["next_cursor"] = (
        cursor_dump(query=state, position=[last.client_name, last.subscription_ref, last.pk])
        if more and last
        else None
    )
    return data


@router.get(
    "/{int:statement_id}/csv",
    response={200: None},
    summary="Download a statement as CSV",
    openapi_extra=CSV_RESPONSE,
)
def statement_csv(request, statement_id: int):
    """The same CSV as the statement page's download, in the caller's language."""
    return billing_views.statement_csv(
        request, firm_slug=request.firm.slug, statement_id=statement_id
    )
