"""Ready to shard by firm: every firm table could be distributed on `firm_id`
(Citus) without redesign.

A sharded table only enforces the keys that contain its distribution column, and
a foreign key between two sharded tables must join on it. So, for every tenant
model (practice.models.TenantModel), found by walking the app registry:
(a) every unique field, unique_together and unique constraint contains the firm,
    and in the PostgreSQL catalog every unique index, primary keys included;
(b) every key to another firm table is composite with firm_id on both sides, so
    it can't join rows of two firms: declared TenantForeignKey (and constrained
    by a DistributeByFirm migration operation), and present in the catalog;
(c) no table without a firm points into a firm table (it would be a reference
    table, copied to every node, and those can't refer to sharded rows).
The metadata checks run everywhere; the catalog checks on PostgreSQL (as in CI).
Each checker is shown to find a planted offender."""

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import SeparateDatabaseAndState
from django.db.migrations.state import ProjectState
from django.db.models import F
from django.test.utils import isolate_apps

from practice.distribution import (
    DistributeByFirm,
    TenantForeignKey,
    TenantOneToOneField,
    composite_keys,
    is_firm_key,
    is_tenant_model,
    is_unchecked,
    tenant_keys,
)
from practice.models import Firm, TenantModel

# Keys between firm tables that have no database constraint at all, on purpose.
UNCHECKED_KEYS = {
    # A 100,000-row import is staged by COPY: the staging locks its job once for
    # the whole file and looks each client up in the job's firm just before.
    # Composite keys here would check every row at commit: measured on PostgreSQL
    # 15, 100,000 staged rows took 4 to 7 s more to commit, more than the write.
    "imports.ImportRow.job",
    "imports.ImportRow.client",
    # A statement's lines are written once, by COPY, in the transaction that
    # creates the statement (billing/models.py); measured on PostgreSQL 15, the
    # check of 100,000 lines' statement and firm took 0.9 s of a 4.7 s statement.
    "billing.StatementLine.statement",
    # And of their clients: 0.75 s of a 3.5 s statement (the lines keep the
    # client's name and number; deleting a client clears the key through the ORM).
    "billing.StatementLine.client",
}
FIRM_COLUMN = "firm_id"


def tenant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, TenantModel)]


# --- (a) unique keys --------------------------------------------------------


def _referenced_names(expression):
    if isinstance(expression, F):
        yield expression.name
    for source in getattr(expression, "get_source_expressions", list)():
        if source is not None:
            yield from _referenced_names(source)


def unique_problems(models_) -> list[str]:
    problems = []
    for model in models_:
        label = model._meta.label
        for field in model._meta.local_concrete_fields:
            if field.unique and not field.primary_key:
                problems.append(f"{label}.{field.name} is unique by itself")
        for together in model._meta.unique_together:
            if "firm" not in together:
                problems.append(f"{label} unique_together {tuple(together)} lacks firm")
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint):
                continue
            names = set(constraint.fields)
            for expression in constraint.expressions:
                names.update(_referenced_names(expression))
            if not names & {"firm", FIRM_COLUMN}:
                problems.append(f"{label} constraint {constraint.name} lacks firm")
    return problems


# --- (b) keys between firm tables ---------------------------------------------


def key_problems(models_, unchecked=frozenset(UNCHECKED_KEYS)) -> list[str]:
    problems = []
    for model in models_:
        for field in tenant_keys(model):
            name = f"{model._meta.label}.{field.name}"
            if is_unchecked(field):
                if name not in unchecked:
                    problems.append(f"{name} has no database key: use TenantForeignKey")
            elif not is_firm_key(field):
                problems.append(f"{name} joins by id alone: use TenantForeignKey")
    return problems


def _target(field, key: tuple[str, str]) -> tuple[str, str]:
    to = field.remote_field.model
    if not isinstance(to, str):
        return to._meta.app_label, to._meta.model_name
    if to == "self":
        return key
    app_label, _, name = to.rpartition(".")
    return app_label or key[0], name.lower()


def _state_is_tenant(state: ProjectState, key: tuple[str, str]) -> bool:
    model = state.models.get(key)
    firm = model.fields.get("firm") if model else None
    return bool(firm and firm.is_relation and _target(firm, key) == ("practice", "firm"))


def keys_built_by_migrations() -> tuple[set[str], set[str]]:
    """The models listed in DistributeByFirm operations and the keys those built
    ("app_label.model_name.field"), replaying the migration state in order without
    rendering it."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan = []
    for leaf in loader.graph.leaf_nodes():
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    state = ProjectState(real_apps=loader.unmigrated_apps)
    listed, built = set(), set()
    for app_label, name in plan:
        for operation in loader.graph.nodes[(app_label, name)].operations:
            nested = [operation]
            if isinstance(operation, SeparateDatabaseAndState):
                nested = operation.database_operations
            for distribution in (op for op in nested if isinstance(op, DistributeByFirm)):
                for model_name in distribution.models:
                    key = (app_label, model_name.lower())
                    listed.add(".".join(key))
                    for field_name, field in state.models[key].fields.items():
                        if (
                            field_name != "firm"
                            and field.is_relation
                            and not field.many_to_many
                            and (is_firm_key(field) or field.db_constraint)
                            and _state_is_tenant(state, _target(field, key))
                        ):
                            built.add(f"{app_label}.{key[1]}.{field_name}")
            operation.state_forwards(app_label, state)
    return listed, built


def migration_problems(models_, listed: set[str], built: set[str]) -> list[str]:
    problems = []
    for model in models_:
        label = model._meta.label_lower
        if label not in listed:
            problems.append(f"{model._meta.label} is in no DistributeByFirm operation")
            continue
        for field in composite_keys(model):
            if f"{label}.{field.name}" not in built:
                problems.append(f"{model._meta.label}.{field.name} is keyed by no migration")
    return problems


# --- (c) tables without firm --------------------------------------------------


def reference_problems(models_) -> list[str]:
    return [
        f"{model._meta.label}.{field.name} points into the firm table {field.related_model._meta.label}"
        for model in models_
        if not is_tenant_model(model)
        for field in model._meta.concrete_fields
        if field.is_relation and is_tenant_model(field.related_model)
    ]


# --- the PostgreSQL catalog -------------------------------------------------------

UNIQUE_INDEXES_SQL = """
SELECT t.relname, i.relname,
       ARRAY(SELECT a.attname::text FROM unnest(x.indkey) k(n)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n)
FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indisunique AND t.relname = ANY(%s)
ORDER BY 1, 2
"""

FOREIGN_KEYS_SQL = """
SELECT c.conname, s.relname, t.relname,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c JOIN pg_class s ON s.oid = c.conrelid JOIN pg_class t ON t.oid = c.confrelid
WHERE c.contype = 'f' AND (s.relname = ANY(%s) OR t.relname = ANY(%s))
ORDER BY 2, 1
"""


def catalog_problems(cursor, firm_tables: set[str]) -> list[str]:
    """Unique indexes (primary keys included) and foreign keys of the database
    that a table sharded on firm_id could not keep."""
    tables = sorted(firm_tables)
    problems = []
    cursor.execute(UNIQUE_INDEXES_SQL, [tables])
    for table, index, columns in cursor.fetchall():
        if FIRM_COLUMN not in columns:
            problems.append(f"{table}: unique index {index} {tuple(columns)} lacks {FIRM_COLUMN}")
    cursor.execute(FOREIGN_KEYS_SQL, [tables, tables])
    for name, source, target, columns, to_columns in cursor.fetchall():
        if target not in firm_tables:
            continue  # a firm table referring to a reference table
        keyed = f"{source}: {name} {tuple(columns)} -> {target} {tuple(to_columns)}"
        if source not in firm_tables:
            problems.append(f"{keyed} points into a firm table from a table without firm")
        elif FIRM_COLUMN not in columns or FIRM_COLUMN not in to_columns:
            problems.append(f"{keyed} joins without {FIRM_COLUMN}")
        elif columns.index(FIRM_COLUMN) != to_columns.index(FIRM_COLUMN):
            problems.append(f"{keyed} joins {FIRM_COLUMN} to another column")
    return problems


def missing_key_problems(cursor, models_) -> list[str]:
    """Keys of the models (TenantForeignKey) with no composite key in the database."""
    tables = sorted({m._meta.db_table for m in models_})
    cursor.execute(FOREIGN_KEYS_SQL, [tables, tables])
    present = {(s, tuple(c), t, tuple(tc)) for _n, s, t, c, tc in cursor.fetchall()}
    problems = []
    for model in models_:
        for field in composite_keys(model):
            target = field.target_field.model
            expected = (
                model._meta.db_table,
                (field.column, FIRM_COLUMN),
                target._meta.db_table,
                (field.target_field.column, FIRM_COLUMN),
            )
            if expected not in present:
                problems.append(f"{model._meta.label}.{field.name} has no composite key")
    return problems


# --- the project's schema -----------------------------------------------------------


def test_every_tenant_model_is_walked():
    found = tenant_models()
    assert len(found) >= 22
    assert all(is_tenant_model(model) for model in found)


def test_a_unique_key_of_a_firm_table_contains_the_firm():
    assert unique_problems(tenant_models()) == []


def test_a_key_between_firm_tables_contains_the_firm():
    assert key_problems(tenant_models()) == []


def test_every_key_between_firm_tables_is_built_by_a_migration():
    listed, built = keys_built_by_migrations()
    assert migration_problems(tenant_models(), listed, built) == []


def test_no_table_without_firm_points_into_a_firm_table():
    assert reference_problems(apps.get_models(include_auto_created=True)) == []


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the catalog checks read PostgreSQL's catalog"
)


@needs_postgresql
@pytest.mark.django_db
def test_the_database_keeps_firm_in_every_unique_index_and_join():
    firm_tables = {model._meta.db_table for model in tenant_models()}
    with connection.cursor() as cursor:
        assert catalog_problems(cursor, firm_tables) == []
        assert missing_key_problems(cursor, tenant_models()) == []


# --- each checker finds an offender ------------------------------------------------


@isolate_apps("tests")
def test_the_metadata_checks_find_planted_offenders():
    class Parent(TenantModel):
        code = models.CharField(max_length=10, unique=True)
        name = models.CharField(max_length=10)
        email = models.CharField(max_length=10)

        class Meta:
            app_label = "tests"
            constraints = [
                models.UniqueConstraint(fields=["name"], name="planted_name"),
                models.UniqueConstraint(models.functions.Lower("email"), name="planted_email"),
                models.UniqueConstraint("firm", models.functions.Lower("name"), name="fine"),
            ]

    class Child(TenantModel):
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="+")
        loose = models.ForeignKey(
            Parent, on_delete=models.CASCADE, db_constraint=False, related_name="+"
        )
        keyed = TenantForeignKey(Parent, on_delete=models.CASCADE, related_name="+")
        twin = TenantOneToOneField(Parent, on_delete=models.CASCADE, related_name="+")
        firm_too = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "tests"
            unique_together = [("parent", "keyed"), ("firm", "twin")]

    class Shared(models.Model):  # noqa: DJ008
        child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
        owner = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "tests"

    assert unique_problems([Parent, Child]) == [
        "tests.Parent.code is unique by itself",
        "tests.Parent constraint planted_name lacks firm",
        "tests.Parent constraint planted_email lacks firm",
        "tests.Child unique_together ('parent', 'keyed') lacks firm",
    ]
    assert key_problems([Parent, Child]) == [
        "tests.Child.parent joins by id alone: use TenantForeignKey",
        "tests.Child.loose has no database key: use TenantForeignKey",
    ]
    assert key_problems([Child], unchecked={"tests.Child.loose"}) == [
        "tests.Child.parent joins by id alone: use TenantForeignKey",
    ]
    # Shared's key to a firm is not its tenancy key: it is a table without firm.
    assert reference_problems([Parent, Child, Shared]) == [
        "tests.Shared.child points into the firm table tests.Child",
    ]
    listed = {"tests.parent", "tests.child"}
    assert migration_problems([Parent, Child], listed, {"tests.child.keyed"}) == [
        "tests.Child.parent is keyed by no migration",
        "tests.Child.twin is keyed by no migration",
    ]
    assert migration_problems([Parent], set(), set()) == [
        "tests.Parent is in no DistributeByFirm operation"
    ]


def test_the_migration_replay_sees_the_keys_of_the_project():
    listed, built = keys_built_by_migrations()
    assert {"clients.client", "imports.importrow", "subscriptions.clientusagefeature"} <= listed
    assert {"clients.client.lead_accountant", "subscriptions.timeaccount.setup"} <= built
    assert "imports.importrow.job" not in built  # declared without a database key


PLANTED_TABLES = """
CREATE TABLE planted_parent (id bigint PRIMARY KEY, firm_id bigint NOT NULL, code text);
CREATE UNIQUE INDEX planted_code ON planted_parent (code);
CREATE UNIQUE INDEX planted_fine ON planted_parent (firm_id, lower(code)) WHERE code <> '';
CREATE TABLE planted_good (id bigint, firm_id bigint, PRIMARY KEY (id, firm_id));
CREATE TABLE planted_child (
    id bigint, firm_id bigint, parent_id bigint, good_id bigint, other_id bigint,
    PRIMARY KEY (id, firm_id),
    CONSTRAINT by_id FOREIGN KEY (parent_id) REFERENCES planted_parent (id),
    CONSTRAINT fine FOREIGN KEY (good_id, firm_id) REFERENCES planted_good (id, firm_id),
    CONSTRAINT crossed FOREIGN KEY (firm_id, other_id) REFERENCES planted_good (id, firm_id)
);
CREATE TABLE planted_shared (
    id bigint PRIMARY KEY, good_id bigint, good_firm bigint,
    CONSTRAINT shared FOREIGN KEY (good_id, good_firm) REFERENCES planted_good (id, firm_id)
);
"""


@needs_postgresql
@pytest.mark.django_db
def test_the_catalog_checks_find_planted_offenders():
    with connection.cursor() as cursor:
        cursor.execute(PLANTED_TABLES)
        problems = catalog_problems(cursor, {"planted_parent", "planted_good", "planted_child"})
    assert problems == [
        "planted_parent: unique index planted_code ('code',) lacks firm_id",
        "planted_parent: unique index planted_parent_pkey ('id',) lacks firm_id",
        "planted_child: by_id ('parent_id',) -> planted_parent ('id',) joins without firm_id",
        "planted_child: crossed ('firm_id', 'other_id') -> planted_good ('id', 'firm_id')"
        " joins firm_id to another column",
        "planted_shared: shared ('good_id', 'good_firm') -> planted_good ('id', 'firm_id')"
        " points into a firm table from a table without firm",
    ]


@needs_postgresql
@pytest.mark.django_db
def test_a_missing_composite_key_is_found():
    from subscriptions.models import PlanChange

    table = PlanChange._meta.db_table
    column = PlanChange._meta.get_field("subscription").column
    with connection.cursor() as cursor:
        assert missing_key_problems(cursor, [PlanChange]) == []
        cursor.execute(FOREIGN_KEYS_SQL, [[table], [table]])
        [name] = [
            name
            for name, source, _target, columns, _to in cursor.fetchall()
            if source == table and columns == [column, FIRM_COLUMN]
        ]
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        assert missing_key_problems(cursor, [PlanChange]) == [
            "subscriptions.PlanChange.subscription has no composite key"
        ]
