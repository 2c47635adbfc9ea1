"""Demo statements: last month's, issued once the demo subscriptions exist."""

from billing.services import previous_month, statement_generate
from practice.models import Firm


def load(*, firm: Firm, by) -> None:
    year, month = previous_month()
    statement_generate(firm=firm, year=year, month=month)
