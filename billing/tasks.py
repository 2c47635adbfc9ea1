from celery import shared_task

from practice.models import Firm
from practice.tenancy import firm_scope


@shared_task
def statement_generate(firm_id: int, year: int, month: int) -> int | None:
    """Issue one firm's statement for a finished month (idempotent, R21)."""
    from billing.services import statement_generate as generate

    firm = Firm.objects.filter(pk=firm_id).first()
    if firm is None:
        return None
    with firm_scope(firm):
        return generate(firm=firm, year=year, month=month).pk


@shared_task
def statements_generate_due() -> int:
    """Beat (daily): make sure every firm has its statement for last month. Running
    daily rather than on the 1st only catches up after any downtime; a statement
    that exists already is left as it is."""
    from billing.services import previous_month

    year, month = previous_month()
    firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        statement_generate.delay(firm_id, year, month)
    return len(firm_ids)
