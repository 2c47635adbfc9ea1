"""Reads for clients: the client list (R8) with keyset pagination, the export
rows (R25), the profile's history (R9) and the list preferences."""

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients import signals
from clients.access import clients_reachable, reachable_count
from clients.models import (
    BillingChoice,
    BinaryCharField,
    Client,
    ClientListPreference,
    ClientNumber,
    ClientStatus,
    ClientType,
    TaxPreparationStatus,
    TaxReturnStatus,
)
from clients.paging import ClientPage, Cursor, page_of_matches, read_rows
from clients.search import number_or_name
from practice.models import ActivityEvent, Firm, Membership

PAGE_SIZE = 50
# Counting every match costs a scan of all of them (about 100 ms for 100,000 rows
# on a modest server), whatever the page; past this many, the list says "more than".
COUNT_CAP = 5000


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # Model field the column sorts on (None: not sortable) and whether it can be NULL.
    sort_field: str | None = None
    nullable: bool = False
    # For a value read from another table (the number's): the relation to it,
    # whose row every client has, and the field it is there.
    joined: str = ""
    field: object = None


COLUMNS = {
    c.key: c
    for c in (
        Column("name", _("Name"), "search_name"),
        Column(
            "client_number",
            _("Client number"),
            "client_number",
            nullable=True,
            joined="number_row",
            field=ClientNumber._meta.get_field("number"),
        ),
        Column("client_type", _("Type"), "client_type"),
        Column("lead_accountant", _("Lead accountant")),
        Column("email", _("E-mail"), "email"),
        Column("phone", _("Phone")),
        Column("products", _("Products"), "products_summary"),
        Column("billing", _("Billing"), "billing"),
        Column("status", _("Status"), "status"),
        Column("tax_preparation_status", _("Tax preparation"), "tax_preparation_status"),
        Column("tax_return_status", _("Tax return"), "tax_return_status"),
    )
}
# What fits 1366 px without scrolling; the rest is one tick away in the chooser.
DEFAULT_COLUMNS = [
    "name",
    "client_number",
    "client_type",
    "lead_accountant",
    "email",
    "billing",
    "status",
    "tax_preparation_status",
    "tax_return_status",
]
# The name identifies the row and links to the profile, so it can move but not hide.
REQUIRED_COLUMNS = {"name"}
SORT_KEYS = [key for key, col in COLUMNS.items() if col.sort_field]


# Preferences -----------------------------------------------------------------


def clean_columns(columns) -> list[str]:
    seen, result = set(), []
    for key in columns if isinstance(columns, list) else []:
        if key in COLUMNS and key not in seen:
            seen.add(key)
            result.append(key)
    for key in REQUIRED_COLUMNS - seen:
        result.insert(0, key)
    return result


def arrange_columns(*, previous: list[str], order: list[str], shown: set[str]) -> list[str]:
    """The chooser's result: the shown columns in the order given, except that a
    column shown again returns to its place in the default order (after the shown
    column that comes before it there), not to the far right."""
    columns = [k for k in order if k in shown and k in previous]
    rank = list(COLUMNS)
    for key in sorted((k for k in order if k in shown and k not in previous), key=rank.index):
        before = [k for k in rank[: rank.index(key)] if k in columns]
        columns.insert(columns.index(before[-1]) + 1 if before else 0, key)
    return clean_columns(columns)


def client_list_columns(*, firm: Firm, membership: Membership) -> list[str]:
    """The member's visible columns in order (R8), or the default layout."""
    pref = (
        ClientListPreference.objects.filter(firm=firm, membership=membership)
        .values_list("columns", flat=True)
        .first()
    )
    return clean_columns(pref) if pref else list(DEFAULT_COLUMNS)


# Filtering -------------------------------------------------------------------


@dataclass
class ClientFilters:
    q: str = ""
    client_type: str = ""
    lead: str = ""  # a membership id, "none" for clients without one, "" for all
    include_inactive: bool = False
    ids: list[int] = field(default_factory=list)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.client_type or self.lead or self.ids)


def client_queryset(
    *, membership: Membership, filters: ClientFilters, to_count: bool = False
) -> QuerySet[Client]:
    """The clients the member reaches (R30) matching the list's filters (R8), unordered.

    Name search is a "contains" on the normalized search_name (case and accents
    folded when saved), served by a trigram index on PostgreSQL; the client
    number matches exactly or as a prefix."""
    qs = clients_reachable(membership=membership, to_count=to_count)
    if not filters.include_inactive:
        qs = qs.filter(status=ClientStatus.ACTIVE)
    if filters.client_type:
        qs = qs.filter(client_type=filters.client_type)
    if filters.lead == "none":
        qs = qs.filter(lead_accountant__isnull=True)
    elif filters.lead:
        qs = qs.filter(lead_accountant_id=filters.lead)
    if filters.ids:
        qs = qs.filter(pk__in=filters.ids)
    q = filters.q.strip()
    if q:
        qs = qs.filter(number_or_name(firm_id=membership.firm_id, text=q))
    return qs


def _compared_by_bytes(column: Column) -> bool:
    field = column.field or Client._meta.get_field(column.sort_field)
    return isinstance(field, BinaryCharField)


def _count(*, membership: Membership, filters: ClientFilters) -> int:
    """The list's total up to COUNT_CAP + 1. For a restricted member (R30) without
    other filters, from their grants alone; otherwise driven by their grants when
    restricted, a few thousand lookups instead of a test on every client."""
    if not (filters.client_type or filters.lead or filters.ids):
        total = reachable_count(
            membership=membership, active_only=not filters.include_inactive, cap=COUNT_CAP
        )
        if total is not None:
            return total
    counted = client_queryset(membership=membership, filters=filters, to_count=True)
    return counted.order_by()[: COUNT_CAP + 1].count()


def client_page(
    *,
    membership: Membership,
    filters: ClientFilters,
    sort: str = "name",
    after: str = "",
    before: str = "",
    last: bool = False,
    size: int = PAGE_SIZE,
    count: bool = True,
    values: tuple[str, ...] = (),
) -> ClientPage:
    """One page of the client list: `size` rows after/before a cursor, or the
    first or last page. A fixed number of queries whatever the page or firm size.
    `count=False` skips counting the matches (total 0) when no search needs it;
    `values` gives each row as a dict of those fields (with `id` and the sort
    field), which reads many rows several times faster than model instances."""
    descending = sort.startswith("-")
    column = COLUMNS.get(sort.lstrip("-")) or COLUMNS["name"]
    if not column.sort_field:
        column, descending = COLUMNS["name"], False
    after_cursor = Cursor.decode(after)
    before_cursor = Cursor.decode(before) if after_cursor is None else None
    # Going back (before a cursor, or to the last page) reads in the other direction.
    backwards = bool(before_cursor) or (last and after_cursor is None)
    cursor = after_cursor or before_cursor
    base = client_queryset(membership=membership, filters=filters)
    matches = None
    if filters.q.strip():
        # A search matches few clients, spread over the whole sort index: read the
        # matching ids once through the search indexes (this also gives the count)
        # and page over them, instead of walking the sort index and filtering.
        # Sorted on a byte-compared column, the page is picked from what that read
        # gives, and only its rows are read again.
        if _compared_by_bytes(column):
            matches = list(base.order_by().values_list(column.sort_field, "pk")[: COUNT_CAP + 1])
            total = len(matches)
            if total > COUNT_CAP:
                matches = None
        else:
            ids = list(base.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
            total = len(ids)
            if total <= COUNT_CAP:
                base = Client.objects.filter(firm=membership.firm_id, pk__in=ids)
    elif not count:
        total = 0
    else:
        total = _count(membership=membership, filters=filters)
    if matches is not None:
        page, more = page_of_matches(
            matches, descending=descending, cursor=cursor, backwards=backwards, size=size
        )
        base = Client.objects.filter(firm=membership.firm_id, pk__in=[pk for _v, pk in page])

    def shaped(rows):
        if values:
            return rows.values(*dict.fromkeys([*values, "id", column.sort_field]))
        return rows.select_related("lead_accountant__user")

    qs = shaped(base)
    if matches is not None:
        found = {row["id"] if values else row.pk: row for row in qs}
        rows = [found[pk] for _value, pk in page if pk in found]
    else:
        # A restricted member's page: its ids first (clients.paging.read_rows).
        restricted = not membership.reaches_all_clients
        rows = read_rows(
            qs,
            column,
            cursor,
            forward=(descending == backwards),
            limit=size + 1,
            rows_of=shaped(Client.objects.filter(firm=membership.firm_id)) if restricted else None,
        )
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
    if backwards:
        has_next, has_previous = cursor is not None, more
    else:
        has_next, has_previous = more, cursor is not None
    return ClientPage(
        rows=rows,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        has_next=has_next,
        has_previous=has_previous,
        sort_field=column.sort_field,
        is_first=not has_previous,
    )


def lead_accountant_choices(*, firm: Firm) -> list[Membership]:
    return list(
        Membership.objects.filter(firm=firm, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def firm_has_clients(*, membership: Membership) -> bool:
    """Whether the member reaches any client at all (the list's empty state)."""
    return clients_reachable(membership=membership).exists()


# Export ----------------------------------------------------------------------

EXPORT_EXTRA_COLUMNS = (
    ("client_type", _("Type")),
    ("company_name", _("Company name")),
    ("first_name", _("First name")),
    ("last_name", _("Last name")),
    ("email", _("E-mail")),
    ("phone", _("Phone")),
    ("lead_accountant__user__full_name", _("Lead accountant")),
    ("status", _("Status")),
    ("billing", _("Billing")),
    ("products_summary", _("Products")),
    ("tax_preparation_status", _("Tax preparation")),
    ("tax_return_status", _("Tax return")),
)
EXPORT_FIELDS = ("company_id", "display_name", "client_number") + tuple(
    name for name, _label in EXPORT_EXTRA_COLUMNS
)
CHOICE_FIELDS = {
    "client_type": ClientType,
    "status": ClientStatus,
    "billing": BillingChoice,
    "tax_preparation_status": TaxPreparationStatus,
    "tax_return_status": TaxReturnStatus,
}


def client_export_values(*, membership: Membership, filters: ClientFilters, sort: str = "name"):
    """Rows for the CSV export (R25), streamed in chunks: the R25 columns first."""
    column = COLUMNS.get(sort.lstrip("-")) or COLUMNS["name"]
    field_name = column.sort_field or "search_name"
    prefix = "-" if sort.startswith("-") else ""
    return (
        client_queryset(membership=membership, filters=filters)
        .order_by(f"{prefix}{field_name}", f"{prefix}pk")
        .values_list(*EXPORT_FIELDS)
        .iterator(chunk_size=2000)
    )


# Profile ---------------------------------------------------------------------


def client_history(*, firm: Firm, client_id: int, limit: int = 200) -> list:
    """The client's activity log, newest first (R9 history tab), merged with the
    client-number changes of imports and their undos, which are recorded on the
    import's rows rather than as activity entries. Each entry has an actor, a
    created_at, a verb and changes; the import ones also a sentence and job_id."""
    entries = list(
        ActivityEvent.objects.filter(firm=firm, target_type="client", target_id=client_id)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    for _receiver, more in signals.client_history.send(
        sender=Client, firm=firm, client_id=client_id, limit=limit
    ):
        entries += more or []
    entries.sort(key=lambda entry: entry.created_at, reverse=True)
    return entries[:limit]


def readable_changes(event: ActivityEvent) -> list[tuple[str, str, str]]:
    """(field label, before, after) with choice values shown by their labels."""
    result = []
    for name, pair in (event.changes or {}).items():
        if not isinstance(pair, list) or len(pair) != 2:
            continue
        try:
            label = str(Client._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            label = name
        choices = CHOICE_FIELDS.get(name) or (BillingChoice if name == "initial_billing" else None)
        values = []
        for value in pair:
            if choices is not None and value in choices.values:
                value = choices(value).label
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            values.append("—" if value in (None, "") else str(value))
        result.append((label[:1].upper() + label[1:], values[0], values[1]))
    return result
