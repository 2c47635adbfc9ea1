"""An issued statement as it is read: the page, the CSV and the PDF all come from
these functions, so they carry the same figures (R36). Also what the API reads.

- `statement_lines_with_parts(statement=...)`: the lines in order, each with
  `.parts` (billing.parts.Part) adding up to the line;
- `client_blocks(lines)`: the same lines grouped by client, with subtotals;
  `page_blocks(lines, page)` those of one page of them;
- `statement_summary(statement=...)`: the summary issued with it;
- `statement_csv_header()` / `statement_csv_rows(statement=...)`: one row per part
  then one per currency total (values as written, before CSV escaping)."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from billing.models import Statement, StatementLine
from billing.parts import Part
from billing.selectors import statement_lines
from billing.summary import month_summary
from subscriptions.models import ProductKind
from subscriptions.pricing import month_bounds
from subscriptions.schedule import Schedule


def _legacy_parts(line: StatementLine) -> list[Part]:
    """Parts of a line issued before parts carried amounts: its recorded pieces
    (dates, days, price, rate) or the line itself, with the line's amounts shared
    out by days so they still add up."""
    pieces = line.detail or [
        {"label": line.product_label, "days": line.days, "monthly_list": None, "rate": None}
    ]
    first, next_first = month_bounds(line.statement.month.year, line.statement.month.month)
    parts = []
    remaining = [line.list_amount, line.net_amount]
    for i, piece in enumerate(pieces):
        part = Part.from_json(piece)
        if part.monthly_list is None and len(pieces) == 1:
            part.monthly_list = line.monthly_list_price
        if len(pieces) == 1 and line.days == line.days_in_month and part.starts_on is None:
            part.starts_on, part.ends_on = first, next_first - datetime.timedelta(days=1)
        if i == len(pieces) - 1:
            list_c, net_c = remaining
        else:
            share = Decimal(part.days) / Decimal(line.days or 1)
            list_c = (line.list_amount * share).quantize(Decimal("0.01"))
            net_c = min(list_c, (line.net_amount * share).quantize(Decimal("0.01")))
            remaining = [remaining[0] - list_c, remaining[1] - net_c]
        part.list_amount, part.net_amount = list_c, net_c
        part.discount_amount = list_c - net_c
        part.kind = part.kind or line.kind
        parts.append(part)
    return parts


def parts_of(line: StatementLine) -> list[Part]:
    if line.detail and "net" in line.detail[0]:
        return [Part.from_json(p) for p in line.detail]
    return _legacy_parts(line)


def statement_lines_with_parts(*, statement: Statement) -> Iterator[StatementLine]:
    for line in statement_lines(statement=statement).iterator(chunk_size=2000):
        line.statement = statement
        line.parts = parts_of(line)
        yield line


@dataclass
class ClientBlock:
    name: str
    number: str
    company_id: str
    deleted: bool
    lines: list = field(default_factory=list)
    # On a page of the statement: the client's lines began on the previous page
    # (`continued`, with the totals of all its lines) or go on to the next one
    # (`continues`: no subtotal yet).
    continued: bool = False
    continues: bool = False
    whole: list | None = None

    @property
    def subtotals(self) -> list[dict]:
        """Per currency, when the client has more than one line, under its last line."""
        if self.continues:
            return []
        if self.whole is not None:
            return self.whole
        if len(self.lines) < 2:
            return []
        return _subtotals(
            (line.currency, line.list_amount, line.discount_amount) for line in self.lines
        )


def _subtotals(amounts) -> list[dict]:
    totals: dict[str, dict] = {}
    for currency, list_amount, discount in amounts:
        t = totals.setdefault(
            currency, {"currency": currency, "list": Decimal("0.00"), "discount": Decimal("0.00")}
        )
        t["list"] += list_amount
        t["discount"] += discount
    for t in totals.values():
        t["net"] = t["list"] - t["discount"]
    return sorted(totals.values(), key=lambda t: t["currency"])


def client_blocks(lines: Iterable[StatementLine]) -> list[ClientBlock]:
    """Consecutive lines of one client (lines come ordered by client name)."""
    blocks: list[ClientBlock] = []
    for line in lines:
        key = (line.client_id, line.client_name)
        if not blocks or blocks[-1].key != key:
            block = ClientBlock(
                name=line.client_name,
                number=line.client_number,
                company_id=line.company_id,
                deleted=line.client_id is None,
            )
            block.key = key
            blocks.append(block)
        blocks[-1].lines.append(line)
    return blocks


def _same_client(lines: QuerySet, block: ClientBlock) -> QuerySet:
    client_id, name = block.key
    return (
        lines.filter(client_id=client_id, client_name=name)
        if client_id
        else lines.filter(client_id__isnull=True, client_name=name)
    )


def page_blocks(lines: QuerySet, page: Page) -> list[ClientBlock]:
    """The client blocks of one page of a statement's lines (`lines` ordered as
    statement_lines orders them). A client whose lines cross a page boundary is
    marked so on both pages, and its subtotal, of all its lines, comes under its
    last line only."""
    blocks = client_blocks(page.object_list)
    if not blocks:
        return blocks
    first, last = blocks[0], blocks[-1]
    if page.has_previous():
        before = lines[page.start_index() - 2]
        first.continued = (before.client_id, before.client_name) == first.key
    if page.has_next():
        after = lines[page.end_index()]
        last.continues = (after.client_id, after.client_name) == last.key
    if first.continued and not first.continues:
        first.whole = _subtotals(
            _same_client(lines, first).values_list("currency", "list_amount", "discount_amount")
        )
    return blocks


def statement_summary(*, statement: Statement) -> dict:
    """The summary issued with the statement; for one issued before summaries
    were kept, the same computed now from its lines and charge periods."""
    if statement.summary:
        return statement.summary
    first, next_first = month_bounds(statement.month.year, statement.month.month)
    lines = list(
        statement_lines(statement=statement).values(
            "client_id", "client_name", "client_number", "detail"
        )
    )
    return month_summary(
        firm=statement.firm,
        first=first,
        next_first=next_first,
        lines=lines,
        schedule=Schedule.load(),
    )


def kind_label(kind: str) -> str:
    if kind == ProductKind.ADDON:
        return str(ProductKind.ADDON.label)
    if kind == ProductKind.PLAN:
        return str(ProductKind.PLAN.label)
    return ""


def percent_value(rate: Decimal | None) -> str:
    """0.3000 -> "30.00" (CSV: a number of percent, dot decimal)."""
    return "" if rate is None else str((rate * 100).quantize(Decimal("0.01")))


def statement_csv_header() -> list[str]:
    return [
        _("Month"),
        _("Client number"),
        _("Company ID"),
        _("Client"),
        _("Deleted"),
        _("Subscription"),
        _("Product"),
        _("Kind"),
        _("From"),
        _("To"),
        _("Days"),
        _("Days in month"),
        _("Currency"),
        _("Monthly list price"),
        _("Discount rate %"),
        _("List amount"),
        _("Discount"),
        _("Net"),
    ]


def statement_csv_rows(*, statement: Statement) -> Iterator[list]:
    """One row per part of every line, then one row per currency total."""
    month = f"{statement.month:%Y-%m}"
    yes, no = _("yes"), _("no")
    for line in statement_lines_with_parts(statement=statement):
        for part in line.parts:
            yield [
                month,
                line.client_number,
                line.company_id,
                line.client_name,
                yes if line.client_id is None else no,
                line.subscription_ref,
                part.label,
                kind_label(part.kind or line.kind),
                part.starts_on.isoformat() if part.starts_on else "",
                part.ends_on.isoformat() if part.ends_on else "",
                part.days,
                line.days_in_month,
                line.currency,
                "" if part.monthly_list is None else part.monthly_list,
                percent_value(part.rate),
                part.list_amount,
                part.discount_amount,
                part.net_amount,
            ]
    for total in statement.totals.all():
        yield [
            month,
            "",
            "",
            _("Total"),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            total.currency,
            "",
            "",
            total.list_amount,
            total.discount_amount,
            total.net_amount,
        ]
