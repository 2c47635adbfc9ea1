"""The schema that lets PostgreSQL shard every firm-owned table by `firm_id` (Citus).

A sharded table can only enforce keys that contain its distribution column, and a
foreign key between two sharded tables must join on it. So, on PostgreSQL:

- a firm table's primary key is (id, firm_id). Django still treats `id` as the
  primary key: ids come from one sequence per table, so they stay unique;
- a key from one firm table to another is the composite foreign key
  (x_id, firm_id) -> (id, firm_id): it also refuses a row that points at another
  firm's row. It is deferred and has no ON DELETE action, like Django's own keys
  (Django cascades and sets null itself);
- every unique constraint of a firm table contains `firm` (checked by
  tests/test_distribution.py, with everything above).

Models declare such keys with `TenantForeignKey` / `TenantOneToOneField`, and each
app's migration lists its firm models in a `DistributeByFirm` operation, which
builds the keys from the migration state. On other databases (SQLite) the fields
keep Django's single-column foreign key, so referential integrity is still
checked there; the firm part of the key is PostgreSQL's.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.migrations.operations.base import Operation

FIRM = "firm"
FIRM_MODEL = "practice.firm"


def _django_keys_in_database() -> bool:
    """Whether Django's own single-column foreign keys are created: everywhere
    but on PostgreSQL, where `DistributeByFirm` creates the composite ones."""
    return connections["default"].vendor != "postgresql"


class _FirmKey:
    """Marks a key between two firm tables, constrained with firm_id on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        kwargs["db_constraint"] = _django_keys_in_database()
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_constraint", None)
        return name, path, args, kwargs


class TenantForeignKey(_FirmKey, models.ForeignKey):
    """A foreign key from one firm table to another."""


class TenantOneToOneField(_FirmKey, models.OneToOneField):
    """A one-to-one key between firm tables. Its column is not unique by itself
    (a sharded table can't enforce that): declare
    `UniqueConstraint(fields=["firm", <field>])` instead, which is the same rule
    since the key also carries the firm."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unique = False


def is_tenant_model(model) -> bool:
    """A firm table: a concrete `firm` key to practice.Firm (works on migration state)."""
    try:
        field = model._meta.get_field(FIRM)
    except FieldDoesNotExist:
        return False
    return bool(
        field.concrete and field.many_to_one and field.related_model._meta.label_lower == FIRM_MODEL
    )


def tenant_keys(model) -> list:
    """The model's concrete keys to firm tables."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.name != FIRM
        and not isinstance(field.related_model, str)
        and is_tenant_model(field.related_model)
    ]


def is_firm_key(field) -> bool:
    """Declared as TenantForeignKey / TenantOneToOneField."""
    return isinstance(field, _FirmKey)


def is_unchecked(field) -> bool:
    """A plain ForeignKey declared with db_constraint=False: no key at all."""
    return not is_firm_key(field) and not field.db_constraint


def composite_keys(model) -> list:
    """The keys DistributeByFirm constrains as (x_id, firm_id) -> (id, firm_id)."""
    return [field for field in tenant_keys(model) if not is_unchecked(field)]


def _firm_column(model) -> str:
    return model._meta.get_field(FIRM).column


def _regclass(schema_editor, table: str) -> str:
    return schema_editor.quote_name(table)


def _fetch(schema_editor, sql: str, params) -> list:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


KEYS_SQL = """
SELECT c.conname, c.conrelid::regclass::text, c.contype,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       c.confrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c
WHERE c.contype IN ('p', 'f') AND (c.conrelid = %s::regclass OR c.confrelid = %s::regclass)
"""


def _keys(schema_editor, table: str) -> list[tuple]:
    """(name, table, 'p'|'f', columns, referenced table, referenced columns) of the
    primary key of `table` and of the foreign keys from or to it."""
    name = _regclass(schema_editor, table)
    return _fetch(schema_editor, KEYS_SQL, [name, name])


def _unquoted(name: str) -> str:
    return name.strip('"')


def _has_column(schema_editor, table: str, column: str) -> bool:
    return bool(
        _fetch(
            schema_editor,
            "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s"
            " AND NOT attisdropped",
            [_regclass(schema_editor, table), column],
        )
    )


def _set_primary_key(schema_editor, table: str, columns: list[str]) -> None:
    for name, _table, kind, current, _to, _to_columns in _keys(schema_editor, table):
        if kind == "p" and _unquoted(_table) == table:
            if list(current) == columns:
                return
            quote = schema_editor.quote_name
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)},"
                f" ADD CONSTRAINT {quote(name)} PRIMARY KEY ({', '.join(map(quote, columns))})"
            )
            return
    raise ValueError(f"{table} has no primary key.")


def _drop_constraint(schema_editor, table: str, name: str) -> None:
    quote = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")


def _drop_single_keys_to(schema_editor, model) -> None:
    """Drop the foreign keys that reach `model`'s table by id alone: they stand on
    the primary key about to change, and the firm tables among them get their
    composite key from their own app's DistributeByFirm."""
    table, firm = model._meta.db_table, _firm_column(model)
    for name, source, kind, _columns, target, to_columns in _keys(schema_editor, table):
        source = _unquoted(source)
        if kind != "f" or _unquoted(target) != table or firm in to_columns:
            continue
        if not _has_column(schema_editor, source, firm):
            raise ValueError(
                f"{source} refers to {table} without a firm column: a table that is not "
                "distributed by firm can't point into one that is."
            )
        _drop_constraint(schema_editor, source, name)


def _composite_name(schema_editor, model, field) -> str:
    return schema_editor._create_index_name(
        model._meta.db_table, [field.column, _firm_column(model)], suffix="_fk_firm"
    )


def _add_composite_key(schema_editor, model, field) -> None:
    table, firm = model._meta.db_table, _firm_column(model)
    target = field.target_field.model
    columns = [field.column, firm]
    to_columns = [field.target_field.column, _firm_column(target)]
    for _name, source, kind, current, to, current_to in _keys(schema_editor, table):
        if (kind, _unquoted(source), _unquoted(to)) == ("f", table, target._meta.db_table) and (
            list(current),
            list(current_to),
        ) == (columns, to_columns):
            return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(_composite_name(schema_editor, model, field))}"
        f" FOREIGN KEY ({', '.join(map(quote, columns))})"
        f" REFERENCES {quote(target._meta.db_table)} ({', '.join(map(quote, to_columns))})"
        f"{schema_editor.connection.ops.deferrable_sql()}"
    )


def _drop_composite_keys_from(schema_editor, model) -> None:
    table, firm = model._meta.db_table, _firm_column(model)
    for name, source, kind, columns, _to, to_columns in _keys(schema_editor, table):
        composite = len(columns) > 1 and firm in columns and firm in to_columns
        if kind == "f" and _unquoted(source) == table and composite:
            _drop_constraint(schema_editor, table, name)


def _restore_django_keys(schema_editor, state_apps, tables: set[str]) -> None:
    """Create Django's own foreign key for each key of the state that has one
    (db_constraint) from or to `tables`, when its target's primary key is a
    single column again and the key is missing."""
    for model in state_apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not (field.is_relation and field.db_constraint):
                continue
            target = field.target_field.model
            source_table, target_table = model._meta.db_table, target._meta.db_table
            if tables.isdisjoint({source_table, target_table}):
                continue
            keys = _keys(schema_editor, target_table)
            primary = [cols for _n, t, kind, cols, _to, _tc in keys if kind == "p"]
            if primary != [[field.target_field.column]]:
                continue  # the target is still keyed by firm: its own reversal restores this
            exists = any(
                kind == "f"
                and _unquoted(source) == source_table
                and list(columns) == [field.column]
                and _unquoted(to) == target_table
                for _name, source, kind, columns, to, _to_columns in keys
            )
            if not exists:
                schema_editor.execute(
                    schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
                )


class DistributeByFirm(Operation):
    """Key the listed firm models by firm on PostgreSQL (nothing elsewhere):
    primary key (id, firm_id), and the composite foreign key for each of their
    keys to firm tables (see the module docstring). Reversible."""

    reversible = True
    reduces_to_sql = False  # what it runs depends on the catalog it finds

    def __init__(self, models):
        self.models = list(models)

    def deconstruct(self):
        return self.__class__.__name__, [self.models], {}

    def state_forwards(self, app_label, state):
        pass

    def _models(self, app_label, state):
        models_ = [state.apps.get_model(app_label, name) for name in self.models]
        for model in models_:
            if not is_tenant_model(model):
                raise ValueError(f"{model._meta.label} has no firm key to distribute by.")
        return models_

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        models_ = self._models(app_label, to_state)
        for model in models_:
            _drop_single_keys_to(schema_editor, model)
            _set_primary_key(
                schema_editor,
                model._meta.db_table,
                [model._meta.pk.column, _firm_column(model)],
            )
        for model in models_:
            for field in composite_keys(model):
                _add_composite_key(schema_editor, model, field)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        models_ = self._models(app_label, from_state)
        for model in models_:
            _drop_composite_keys_from(schema_editor, model)
        for model in models_:
            _set_primary_key(schema_editor, model._meta.db_table, [model._meta.pk.column])
        _restore_django_keys(schema_editor, to_state.apps, {m._meta.db_table for m in models_})

    def describe(self):
        return f"Key {', '.join(self.models)} by firm (PostgreSQL)"

    @property
    def migration_name_fragment(self):
        return "distribute_by_firm"


class UncheckFirmKey(Operation):
    """Drop the composite key (field_id, firm_id) of one key between firm tables on
    PostgreSQL, for a field turned into a plain ForeignKey(db_constraint=False) by
    the same migration (see tests/test_distribution.py's UNCHECKED_KEYS). Put it
    before the AlterField. Reversible: backwards builds the key again."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name, name):
        self.model_name, self.name = model_name, name

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name, self.name], {}

    def state_forwards(self, app_label, state):
        pass

    def _key(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        return model, model._meta.get_field(self.name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, field = self._key(app_label, from_state)
        table, firm = model._meta.db_table, _firm_column(model)
        target = field.target_field.model._meta.db_table
        for name, source, kind, columns, to, _to_columns in _keys(schema_editor, table):
            if (kind, _unquoted(source), _unquoted(to)) == ("f", table, target) and list(
                columns
            ) == [field.column, firm]:
                _drop_constraint(schema_editor, table, name)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, field = self._key(app_label, to_state)
        _add_composite_key(schema_editor, model, field)

    def describe(self):
        return f"Drop the firm key of {self.model_name}.{self.name} (PostgreSQL)"

    @property
    def migration_name_fragment(self):
        return f"uncheck_{self.model_name.lower()}_{self.name}"
