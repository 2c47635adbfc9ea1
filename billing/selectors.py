from django.db.models import QuerySet

from billing.models import Statement, StatementLine


def statements_for(*, firm) -> QuerySet[Statement]:
    return Statement.objects.filter(firm=firm).prefetch_related("totals").order_by("-month")


def statement_lines(*, statement: Statement) -> QuerySet[StatementLine]:
    return StatementLine.objects.filter(firm=statement.firm_id, statement=statement).order_by(
        "client_name", "subscription_ref"
    )
