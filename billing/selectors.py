from django.db.models import QuerySet

from billing.models import Statement, StatementLine
from practice.tenancy import get_in_firm_or_404


def statements_for(*, firm) -> QuerySet[Statement]:
    return Statement.objects.filter(firm=firm).prefetch_related("totals").order_by("-month")


def statement_lines(*, statement: Statement) -> QuerySet[StatementLine]:
    """In client name order, each client's lines together (two clients may share
    a name)."""
    return StatementLine.objects.filter(firm=statement.firm_id, statement=statement).order_by(
        "client_name", "client_id", "subscription_ref"
    )


def access_statement_by_id(*, firm, statement_id) -> Statement:
    """One of the firm's statements, with its totals; Http404 alike for a missing
    and another firm's."""
    return get_in_firm_or_404(
        Statement.objects.prefetch_related("totals"), firm=firm, pk=statement_id
    )
