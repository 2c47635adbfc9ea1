"""A client's number (R6) lives in a narrow table of its own, one row per client.

A client-number import rewrites up to 100,000 numbers in one statement. In the
clients table each of those writes is a new copy of a wide row and an entry in
each of its seven indexes (the trigram name index among them); here it is a
row of four small columns and three btree entries, about a third of the time
(issue 17). Everything that reads clients still sees `client.client_number`:
the clients' manager annotates it from this table (joined on firm and client,
so PostgreSQL can page the list by number straight from this table's index),
and `Client.save` writes it here.

`version` and `updated_at` count the changes made here by imports and their
undo, which leave the client's row alone: a client's revision, the version
the edit form, the API's ETag and the webhooks show, is the client's own
version plus this one (`Client.revision`)."""

from itertools import batched

from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models.naming import SEARCHED_NAMES
from practice.distribution import TenantOneToOneField
from practice.models import Firm, TenantModel

CLIENT_NUMBER_MAX_LENGTH = 100
# Rows written per statement by the bulk writes.
BATCH = 1000
# The names the clients' manager gives the number row's columns.
ANNOTATIONS = {
    "client_number": "number_row__number",
    "number_version": "number_row__version",
    "number_updated_at": "number_row__updated_at",
}


class BinaryCharField(models.CharField):
    """A CharField compared byte by byte: collation "C" on PostgreSQL, which is
    how SQLite always compares text. Codes and the folded search name need no
    linguistic order, and byte comparisons make every index on them cheaper to
    search and to keep up (a prefix LIKE then uses a plain btree index too)."""

    def db_parameters(self, connection):
        # pragma: no mutate block (PostgreSQL only, from here to the end)
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = "C"
        return params


class ClientNumber(TenantModel):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, verbose_name=_("firm"), db_index=False)
    client = TenantOneToOneField(
        "clients.Client", on_delete=models.CASCADE, related_name="numbering", db_index=False
    )
    number = BinaryCharField(
        _("client number"), max_length=CLIENT_NUMBER_MAX_LENGTH, null=True, blank=True
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("client number")
        verbose_name_plural = _("client numbers")
        # The list pages by number on the unique index for the numbered clients,
        # then on (firm, client) for the few without one.
        indexes = [
            models.Index(
                fields=["firm", "client"],
                condition=Q(number__isnull=True),
                name="client_firm_without_number",
            ),
        ]
        constraints = [
            # Client first: deleting a client finds its row by client alone.
            models.UniqueConstraint(fields=["client", "firm"], name="client_number_one_per_client"),
            models.UniqueConstraint(
                fields=["firm", "number"],
                condition=Q(number__isnull=False),
                name="client_number_unique_per_firm",
            ),
            models.CheckConstraint(condition=~Q(number=""), name="client_number_null_not_empty"),
        ]


def last_change(updated_at, number_updated_at):
    """When a client or its number last changed, from the two rows' change times
    (the number row's is None when it was never read)."""
    return max(stamp for stamp in (updated_at, number_updated_at) if stamp is not None)


class ClientQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._iterable_class = ClientIterable

    def bulk_create(self, objs, *args, **kwargs):
        """Create the clients, then their number rows, all or none. Each client's
        search_name is made from its names, as save() makes it."""
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            # Clients skipped or merged would get no number row, or a second one.
            raise ValueError("Clients are created in bulk without conflict handling.")
        objs = list(objs)
        for obj in objs:
            obj.set_search_name()
        with transaction.atomic():
            objs = super().bulk_create(objs, *args, **kwargs)
            now = timezone.now()
            for obj in objs:
                state = obj.__dict__.setdefault("_number", {})
                state.update(number_version=0, number_updated_at=now)
                state["client_number"] = state.get("client_number")
                obj.number_saved()
            ClientNumber._base_manager.bulk_create(
                ClientNumber(
                    firm_id=obj.firm_id, client_id=obj.pk, number=obj.client_number, updated_at=now
                )
                for obj in objs
            )
        return objs

    def update(self, **kwargs):
        """Update the clients; `client_number` in their number rows, whose
        version moves on as an import's does. A name is refused without the
        search_name made from it (which bulk_update sends with it): each client's
        is made from all its names."""
        if (names := set(SEARCHED_NAMES) & set(kwargs)) and "search_name" not in kwargs:
            raise ValueError(
                f"Change {', '.join(sorted(names))} with save() or bulk_update(), which"
                " keep each client's search_name."
            )
        if "client_number" not in kwargs:
            return super().update(**kwargs)
        number = kwargs.pop("client_number")
        with transaction.atomic():
            keys = list(self.values_list("firm_id", "pk"))
            if kwargs:
                super().update(**kwargs)
            for chunk in batched(keys, BATCH):
                _rows(chunk).update(
                    number=number, version=F("version") + 1, updated_at=timezone.now()
                )
        return len(keys)

    def bulk_update(self, objs, fields, batch_size=None):
        """Update `fields` of the clients; `client_number` in their number rows
        (made for any client that has none), whose version moves on; search_name
        with the names it is made from."""
        objs, fields = list(objs), list(fields)
        if set(SEARCHED_NAMES) & set(fields):
            for obj in objs:
                obj.set_search_name()
            fields = [*dict.fromkeys([*fields, "search_name"])]
        if "client_number" not in fields:
            return super().bulk_update(objs, fields, batch_size=batch_size)
        fields.remove("client_number")
        with transaction.atomic():
            if fields:
                super().bulk_update(objs, fields, batch_size=batch_size)
            for chunk in batched(objs, BATCH):
                rows = _rows([(obj.firm_id, obj.pk) for obj in chunk])
                by_client = {row.client_id: row for row in rows}
                missing = []
                for obj in chunk:
                    if obj.pk not in by_client:
                        missing.append(ClientNumber(firm_id=obj.firm_id, client_id=obj.pk))
                    (by_client.get(obj.pk) or missing[-1]).number = obj.client_number
                    obj.number_saved()
                ClientNumber._base_manager.bulk_update(by_client.values(), ["number"])
                # One time for all: not a CASE over every row of the batch.
                rows.update(updated_at=timezone.now(), version=F("version") + 1)
                ClientNumber._base_manager.bulk_create(missing)
        return len(objs)

    def select_for_update(self, *args, **kwargs):
        """Lock the clients' rows alone by default: the number row is joined on the
        nullable side, which PostgreSQL can't lock."""
        kwargs.setdefault("of", ("self",))  # pragma: no mutate (locks: PostgreSQL only)
        return super().select_for_update(*args, **kwargs)


def _rows(keys: list[tuple[int, int]]):
    """The number rows of the clients keyed (firm, id)."""
    firms = {firm for firm, _pk in keys}
    return ClientNumber._base_manager.filter(
        firm_id__in=firms, client_id__in=[pk for _firm, pk in keys]
    )


class ClientManager(models.Manager.from_queryset(ClientQuerySet)):
    """Every client read carries its number row's columns (one join on a key)."""

    def get_queryset(self):
        return (
            super().get_queryset().annotate(**{name: F(path) for name, path in ANNOTATIONS.items()})
        )


class ClientIterable(ModelIterable):
    """Clients as read: the number the manager read with each is the saved one."""

    def __iter__(self):
        for client in super().__iter__():
            client.number_saved()
            yield client


class NumberedClient(models.Model):
    """What Client gains from the number's own table: `client_number` read and
    written like a column, `number_version` and `number_updated_at`, and the
    client's `revision`."""

    class Meta:
        abstract = True

    def _number_state(self) -> dict:
        state = self.__dict__.setdefault("_number", {})
        if not all(name in state for name in ANNOTATIONS):
            row = None
            cached = self._state.fields_cache.get("number_row")
            if cached is not None:
                row = (cached.number, cached.version, cached.updated_at)
            elif self.pk is not None:
                row = (
                    ClientNumber._base_manager.filter(firm_id=self.firm_id, client_id=self.pk)
                    .values_list("number", "version", "updated_at")
                    .first()
                )
            values = dict(zip(ANNOTATIONS, row or (None, 0, None), strict=True))
            if "client_number" not in state:
                state["saved"] = values["client_number"]
            for name, value in values.items():
                state.setdefault(name, value)
        return state

    @property
    def client_number(self) -> str | None:
        return self._number_state()["client_number"]

    @client_number.setter
    def client_number(self, value: str | None) -> None:
        self.__dict__.setdefault("_number", {})["client_number"] = value

    @property
    def number_version(self) -> int:
        return self._number_state()["number_version"] or 0

    @number_version.setter
    def number_version(self, value: int | None) -> None:
        self.__dict__.setdefault("_number", {})["number_version"] = value

    @property
    def number_updated_at(self):
        return self._number_state()["number_updated_at"]

    @number_updated_at.setter
    def number_updated_at(self, value) -> None:
        self.__dict__.setdefault("_number", {})["number_updated_at"] = value

    @property
    def revision(self) -> int:
        """The version the client's readers see: its own edits and its number's
        changes by imports both move it on."""
        return self.version + self.number_version

    @property
    def changed_at(self):
        """When the client or its number last changed."""
        return last_change(self.updated_at, self.number_updated_at)

    def number_saved(self) -> None:
        """The number now held is the one in the database."""
        state = self.__dict__.setdefault("_number", {})
        if "client_number" in state:
            state["saved"] = state["client_number"]

    def number_write(self, *, adding: bool) -> None:
        """Write the number to its row, after the client's own save."""
        state = self.__dict__.setdefault("_number", {})
        number = state.get("client_number")
        if adding:
            row = ClientNumber._base_manager.create(
                firm_id=self.firm_id, client_id=self.pk, number=number
            )
            state.update(client_number=number, number_version=0, number_updated_at=row.updated_at)
        elif "client_number" in state and ("saved" not in state or state["saved"] != number):
            rows = ClientNumber._base_manager.filter(firm_id=self.firm_id, client_id=self.pk)
            if not rows.update(number=number, updated_at=timezone.now()):
                ClientNumber._base_manager.create(
                    firm_id=self.firm_id, client_id=self.pk, number=number
                )
        self.number_saved()

    def number_lock(self) -> None:
        """Lock the number row until the transaction ends, and read it again under
        the lock (its number, version and change time)."""
        row = (
            ClientNumber._base_manager.select_for_update()  # pragma: no mutate (PostgreSQL only)
            .filter(firm_id=self.firm_id, client_id=self.pk)
            .values_list("number", "version", "updated_at")
            .first()
        )
        state = dict(zip(ANNOTATIONS, row or (None, 0, None), strict=True))
        self.__dict__["_number"] = {**state, "saved": state["client_number"]}

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        """Reload the fields; the number too when all are (or it is named), read
        again when next asked for."""
        number = fields is None or "client_number" in fields
        if fields is not None:
            fields = [name for name in fields if name != "client_number"]
        if fields is None or fields:
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if number:
            self.__dict__.pop("_number", None)
