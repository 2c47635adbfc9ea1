"""Bench data written by the database itself, and the timing helpers the list
benchmarks share.

`insert_clients` adds clients with one `INSERT ... SELECT` over `generate_series`
(PostgreSQL): no Python object per row, so a million clients take about as long as
the database needs to write them and their indexes. Names mix the same words as the
Python generator of `bench_clients`, so the same searches find the same share of
rows at every size."""

import os
import queue
import statistics
import threading
import time

import psycopg
from django.db import DatabaseError, connection, transaction

from clients.models import NAME_SEPARATOR, normalize_search
from clients.search import forget_statistics

WORDS = [
    "Boulangerie",
    "Garage",
    "Atelier",
    "Studio",
    "Pharmacie",
    "Librairie",
    "Menuiserie",
    "Fromagerie",
    "Imprimerie",
    "Bistro",
    "Consulting",
    "Plomberie",
    "Épicerie",
    "Cabinet",
]
PLACES = [
    "Marais",
    "Lilas",
    "Saint-Michel",
    "Gare",
    "Port",
    "Alpes",
    "Beaulieu",
    "Montcalm",
    "Lac",
    "Riviera",
    "Belleville",
    "Mont-Royal",
    "Côte",
    "Lefèvre",
    "Tremblay",
    "Gagnon",
]

# Row n of a firm: a business (6 in 10) named "<word> <place> <n>" or an individual
# named "<place> <word> <n>"; 7 in 10 have a client number, 9 in 10 a lead
# accountant, 1 in 10 is inactive. hashint(n, salt) is a cheap deterministic draw.
# Each client gets its number row (clients.models.numbering) in the same statement,
# its id drawn from the clients' sequence in `named` (a CTE read twice, so made once:
# one id per row), so that the number rows need not join the clients back.
_INSERT = """
WITH rows AS (
    SELECT n,
           (hashint4(n) & 2147483647) AS h1,
           (hashint4(n + 7919) & 2147483647) AS h2,
           (hashint4(n + 104729) & 2147483647) AS h3
    FROM generate_series(%(start)s, %(stop)s - 1) AS n
), named AS (
    SELECT n, h1, h2, h3,
           nextval(%(ids)s::regclass) AS id,
           h1 %% 10 < 6 AS business,
           (%(words)s::text[])[1 + h2 %% %(nwords)s] AS word,
           (%(places)s::text[])[1 + h3 %% %(nplaces)s] AS place,
           (%(nwords_)s::text[])[1 + h2 %% %(nwords)s] AS nword,
           (%(nplaces_)s::text[])[1 + h3 %% %(nplaces)s] AS nplace,
           '9' || lpad(({firm}::bigint * 100000000 + n)::text, 15, '0') AS company_id,
           CASE WHEN (h1 / 10) %% 10 < 7 THEN 'C' || lpad(n::text, 7, '0') END AS number
    FROM rows
), inserted AS (
INSERT INTO clients_client (
    id, firm_id, client_type, display_name, company_name, first_name, last_name, email,
    phone, address, notes, company_id, status, firm_is_primary_admin,
    tax_preparation_status, tax_return_status, initial_billing, initial_plan_code,
    billing, products_summary, search_name, created_at, updated_at, version,
    lead_accountant_id
)
SELECT id, {firm},
       CASE WHEN business THEN 'business' ELSE 'individual' END,
       CASE WHEN business THEN word || ' ' || place ELSE place || ' ' || word END || ' ' || n,
       CASE WHEN business THEN word || ' ' || place || ' ' || n ELSE '' END,
       '', '', 'client' || n || '@bench.test',
       '+33 1 ' || lpad((n %% 100)::text, 2, '0') || ' ' || lpad((n %% 97)::text, 2, '0'),
       '', '',
       company_id,
       CASE WHEN (h2 / 16) %% 10 = 0 THEN 'inactive' ELSE 'active' END,
       false, 'not_started', 'not_filed', 'none', '', 'none', '',
       CASE WHEN business
            THEN nword || ' ' || nplace || ' ' || n || %(sep)s || nword || ' ' || nplace || ' ' || n
            ELSE nplace || ' ' || nword || ' ' || n END,
       now(), now(), 1,
       {lead}
FROM named
)
INSERT INTO clients_clientnumber (firm_id, client_id, number, version, updated_at)
SELECT {firm}, id, number, 0, now()
FROM named
"""
_LEAD = """CASE WHEN (h3 / 16) %% 10 < 9
            THEN (%(members)s::bigint[])[1 + (h3 / 160) %% %(nmembers)s] END"""


def _params(**extra) -> dict:
    return {
        "words": WORDS,
        "places": PLACES,
        "nwords_": [normalize_search(w) for w in WORDS],
        "nplaces_": [normalize_search(p) for p in PLACES],
        "nwords": len(WORDS),
        "nplaces": len(PLACES),
        "sep": NAME_SEPARATOR,
        **extra,
    }


def _id_sequence(cursor) -> str:
    """The sequence the clients' ids are drawn from."""
    cursor.execute("SELECT pg_get_serial_sequence('clients_client', 'id')")
    return cursor.fetchone()[0]


def insert_clients(*, firm_id: int, member_ids: list[int], start: int, stop: int) -> None:
    """Clients numbered start..stop-1 for the firm, led by its members, in one
    statement per 500,000."""
    sql = _INSERT.format(firm="%(firm)s", lead=_LEAD)
    params = _params(firm=firm_id, members=member_ids, nmembers=len(member_ids))
    with connection.cursor() as cursor:
        params["ids"] = _id_sequence(cursor)
        for low in range(start, stop, 500_000):
            cursor.execute(sql, {**params, "start": low, "stop": min(stop, low + 500_000)})


def insert_firms(*, count: int, clients_each: int, prefix: str) -> None:
    """`count` firms (slugs prefix-0, prefix-1, ...) of `clients_each` clients each,
    the clients without a lead accountant: the neighbours of a measured firm."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO practice_firm (name, slug, country, currency, language, created_at,"
            " billing_assigned_only) SELECT 'Neighbour ' || n, %(prefix)s || n, 'FR', 'EUR',"
            " 'fr', now(), false FROM generate_series(0, %(count)s - 1) AS n",
            {"prefix": f"{prefix}-", "count": count},
        )
        cursor.execute(
            "SELECT min(id), max(id) FROM practice_firm WHERE slug LIKE %(like)s",
            {"like": f"{prefix}-%"},
        )
        first, last = cursor.fetchone()
        assert last - first == count - 1, "the firms' ids are not consecutive"
        # Firm ids run first..first+count-1 (one INSERT, one sequence, nothing else
        # inserting firms meanwhile); client n belongs to firm first + n / clients_each.
        firm = f"({first} + n / {clients_each})"
        sql = _INSERT.format(firm=firm, lead="NULL")
        total = count * clients_each
        ids = _id_sequence(cursor)
        for low in range(0, total, 1_000_000):
            cursor.execute(sql, _params(start=low, stop=min(total, low + 1_000_000), ids=ids))


class BulkLoadError(RuntimeError):
    """Indexes or foreign keys that could not be put back after a bulk load; the
    message gives each one's definition, to build by hand."""


class bulk_load:  # noqa: N801 - used as a context manager
    """A bulk load into `tables`: their foreign keys and secondary indexes (those not
    backing a constraint) dropped before it, the indexes built again after it, two
    at a time on connections of their own (this machine's two cores), and the keys
    added back. Building an index once is much faster than maintaining it row by
    row, and adding a foreign key checks every row by one join where each loaded
    row would otherwise queue a lookup of its own until commit. A unique index is
    checked when it is built again: a load that broke it fails there.

    Whatever happens to the load or to one of them, every index and key is tried,
    and those that could not be put back raise BulkLoadError with their SQL."""

    def __init__(self, *tables: str):
        self.tables = tables
        self.keys: list[tuple[str, str, str]] = []
        self.indexes: list[str] = []

    def __enter__(self):
        # The indexes are built on other connections: they must see the load.
        if connection.in_atomic_block:
            raise RuntimeError("A bulk load runs outside a transaction.")
        # All dropped or none (PostgreSQL's DDL is transactional).
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                self.keys += [(table, name, definition) for name, definition in cursor]
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
                    " JOIN pg_class i ON i.oid = x.indexrelid"
                    " WHERE x.indrelid = %s::regclass AND NOT EXISTS"
                    " (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                    " ORDER BY i.relname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.indexes.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
            for table, name, _definition in self.keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return self

    def __exit__(self, *exc):
        failed = self._build_indexes()
        with connection.cursor() as cursor:
            for table, name, definition in self.keys:
                sql = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                try:
                    with transaction.atomic():
                        cursor.execute(sql)
                except DatabaseError as error:
                    failed.append(f"{sql}; -- {error}".strip())
        if failed:
            raise BulkLoadError("Not put back after the load:\n" + "\n".join(failed))
        return False

    def _build_indexes(self) -> list[str]:
        """Build the indexes two at a time, the GIN ones (trigrams, the longest)
        first; the definitions that failed, with their errors."""
        pending: queue.SimpleQueue[str] = queue.SimpleQueue()
        for definition in sorted(self.indexes, key=lambda d: " USING gin " not in d):
            pending.put(definition)
        failed: list[str] = []

        def build():
            try:
                own = psycopg.connect(**_connect_params(), autocommit=True)
            except psycopg.Error as error:
                failed.append(f"-- no connection to build indexes: {error}")
                return
            with own:
                own.execute("SET maintenance_work_mem = '512MB'")
                while True:
                    try:
                        definition = pending.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        own.execute(definition)
                    except psycopg.Error as error:
                        failed.append(f"{definition}; -- {error}".strip())

        workers = [threading.Thread(target=build) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        # Left over when neither connection could be made.
        while not pending.empty():
            failed.append(pending.get_nowait() + ";")
        return failed


def _connect_params() -> dict:
    """The default connection's database and credentials, for psycopg itself."""
    params = connection.get_connection_params()
    return {key: value for key, value in params.items() if key not in ("cursor_factory", "context")}


def analyze(*tables: str) -> None:
    """The state a database reaches on its own after a bulk load (autovacuum, then
    a checkpoint), before anything is timed: statistics and the visibility map
    up to date, and the load's dirty pages written, so that the writing does not
    happen in the middle of the measures. CHECKPOINT needs a superuser or the
    pg_checkpoint role; without either the measures start at once."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
        forget_statistics()  # the searches' view of the firms' shares
        try:
            with transaction.atomic():
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            pass
    # And, when the database runs on this machine, until the system has written
    # them to disk: its writeback would otherwise slow the first measures.
    os.sync()


def request_ms(web, url: str, *, htmx: bool = False, name: str = "") -> float:
    """One request's time in ms; an htmx swap of the client list's results when `htmx`."""
    headers = {"HX-Request": "true", "HX-Target": "client-results"} if htmx else {}
    start = time.perf_counter()
    response = web.get(url, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (name or url, response.status_code)
    return elapsed


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def time_url(web, url: str, n: int, *, name: str = "", htmx: bool = True) -> list[float]:
    """`n` timings in ms after 3 warm-up requests, every other one an htmx swap."""
    timings = [request_ms(web, url, htmx=htmx and i % 2 == 1, name=name) for i in range(n + 3)]
    return timings[3:]


def p50_p95(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), p95(timings)
