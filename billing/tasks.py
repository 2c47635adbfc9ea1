from celery import shared_task

from billing import pdf, services
from billing.models import Statement
from practice.models import Firm
from practice.tenancy import firm_task


@firm_task
def statement_generate(firm: Firm, year: int, month: int) -> int:
    """Issue one firm's statement for a finished month (idempotent, R21)."""
    return services.statement_generate(firm=firm, year=year, month=month).pk


@shared_task
def statements_generate_due() -> int:
    """Beat (daily): make sure every firm has its statement for last month. Running
    daily rather than on the 1st only catches up after any downtime; a statement
    that exists already is left as it is."""
    year, month = services.previous_month()
    firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        statement_generate.delay(firm_id, year, month)
    return len(firm_ids)


@firm_task
def statement_pdf_render(firm: Firm, statement_id: int, language: str) -> int | None:
    """Render a large statement's PDF in the background (idempotent)."""
    statement = Statement.objects.filter(firm=firm, pk=statement_id).first()
    if statement is None:
        return None
    return pdf.statement_pdf_render(statement=statement, language=language).pk
