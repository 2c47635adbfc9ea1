from billing.services import statement_generate


def issued_statement(firm, year: int = 2024, month: int = 1):
    """A statement issued for a past month (empty unless subscriptions existed)."""
    return statement_generate(firm=firm, year=year, month=month)
