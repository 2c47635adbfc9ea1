"""Name search: a case- and accent-insensitive "contains" on the client's
normalized name (search_name), served on PostgreSQL by the trigram index on
(firm_id, search_name) (clients/migrations/0003)."""

from time import monotonic

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BigIntegerField, F, Lookup, Q, Value
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan

from clients.models import ClientNumber, normalize_search

# Words at least this long are looked up in the index by a few of their trigrams
# only (index_pattern); shorter ones whole.
LONG_WORD = 6
# A firm holding at least this share of all clients is searched without its key in
# the trigram index (name_contains), and PostgreSQL's statistics that tell which
# firms those are are read again after STATS_TTL seconds.
DOMINANT_SHARE = 0.5
STATS_TTL = 600.0
# What a search box reads of its text, as the client list's own filter form does:
# longer text matches no name anyway, and SQLite refuses a LIKE pattern past 50,000
# bytes.
QUERY_MAX_LENGTH = 200


def search_text(q: str | None) -> str:
    """A search box's text as the searches use it: trimmed, at most
    QUERY_MAX_LENGTH characters, without NUL (which the database refuses in text)."""
    return (q or "").replace("\x00", "").strip()[:QUERY_MAX_LENGTH].strip()


class Like(Lookup):
    """`lhs LIKE rhs` with rhs a ready pattern (its %, _ and \\ escaped by the caller)."""

    lookup_name = "ledgerly_like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def index_pattern(name: str) -> str:
    """A LIKE pattern every name containing `name` matches, made of few trigrams.

    The trigram index reads one list of clients per trigram of the pattern, each
    as long as the clients whose name has it: a whole phrase costs a dozen lists
    where a few tell as much. Each word gives its first three letters, then its
    middle three when it is long enough to have them apart from its ends, or else
    its last three ("fromagerie lac" gives "%fro%mag%lac%"), so the index reads 3
    lists instead of 12; the exact phrase is then checked on each candidate. The
    end of a long word is left out because it is the part many words share
    ("-rie", "-ion", "-ing"): the longest lists for the fewest clients told apart
    (in a firm of 1,000,000 clients, 13 ms instead of 17 ms with "rie").
    Without any piece of three letters, the whole name."""
    pieces = []
    for word in name.split():
        middle = (len(word) - 3) // 2
        if len(word) < LONG_WORD:
            pieces.append(word)
        elif middle >= 3:
            pieces += [word[:3], word[middle : middle + 3]]
        else:  # no room for a middle apart from the ends
            pieces += [word[:3], word[-3:]]
    if not any(len(piece) >= 3 for piece in pieces):
        pieces = [name]
    return "%" + "%".join(_escaped(piece) for piece in pieces) + "%"


_MOST_COMMON_FIRMS = """
SELECT m.firm_id FROM pg_stats s,
    unnest(s.most_common_vals::text::bigint[], s.most_common_freqs) AS m(firm_id, share)
WHERE s.schemaname = current_schema() AND s.tablename = 'clients_client'
    AND s.attname = 'firm_id' AND m.share >= %s
"""
_dominant: dict[tuple, tuple[float, frozenset[int]]] = {}


def dominant_firms() -> frozenset[int]:  # pragma: no mutate block (PostgreSQL only)
    """The firms holding at least DOMINANT_SHARE of the clients table, as
    PostgreSQL's statistics of it (ANALYZE) tell, kept STATS_TTL seconds per
    database; none on other databases, or before the table is analyzed."""
    if connection.vendor != "postgresql":
        return frozenset()
    key = (connection.settings_dict["HOST"], connection.settings_dict["NAME"])
    now = monotonic()
    expires, firms = _dominant.get(key, (0.0, frozenset()))
    if now >= expires:
        with connection.cursor() as cursor:
            cursor.execute(_MOST_COMMON_FIRMS, [DOMINANT_SHARE])
            firms = frozenset(firm_id for (firm_id,) in cursor.fetchall())
        _dominant[key] = (now + STATS_TTL, firms)
    return firms


def forget_statistics() -> None:
    """Have the next search read PostgreSQL's statistics again, for whoever has
    just changed them with ANALYZE (the benchmarks, after their loads)."""
    _dominant.clear()


def name_contains(*, firm_id: int, text: str) -> Q | None:
    """Clients of the firm whose name contains `text`; None when nothing of it is
    left to search once normalized.

    On PostgreSQL the trigram index answers the LIKE of `index_pattern`, and the
    exact "contains" (strpos, which no index serves) is checked on what it finds.
    The firm is part of the condition, typed as its column (bigint): the index
    holds the firm through btree_gin's int8_ops, which compares bigint to bigint
    only, and a plain integer parameter is sent as an int4 literal. With the firm
    in its scan, PostgreSQL reads the trigrams of this firm's names instead of
    those of every firm. Measured with 7,000,000 clients in the table, 2,450
    matches in a firm of 1,000,000: 360 ms without the typed firm, 43 ms with
    it, 24 ms with the shorter pattern.

    A firm that holds most of the table (dominant_firms) is compared as a plain
    integer instead: the index then reads the trigrams alone, and the firm is
    checked on the rows it finds. Its key would add a list as long as the table
    for next to no client told apart. Measured for the whole search (numbers
    included) in a firm of 1,000,000 clients among 1,110,000: 13 ms without the
    key, 19 ms with it."""
    name = normalize_search(text)
    if not name:
        return None
    if firm_id in dominant_firms():  # pragma: no mutate (PostgreSQL only)
        firm = Value(firm_id)
    else:
        firm = Cast(Value(firm_id), BigIntegerField())
    return Q(
        Like(F("search_name"), Value(index_pattern(name))),
        GreaterThan(StrIndex("search_name", Value(name)), 0),
        firm_id=firm,
    )


class AnyOf(Lookup):  # pragma: no mutate block (PostgreSQL only)
    """`lhs = ANY(rhs)`, rhs an array (PostgreSQL): an array computed once by a
    subquery is a value an index scan can look up, key by key."""

    lookup_name = "ledgerly_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def number_or_name(*, firm_id: int, text: str) -> Q:
    """Clients of the firm whose number starts with `text` or whose name contains
    it. The numbers live in their own table (clients.models.numbering): its
    per-firm index gives the clients' ids, as one array on PostgreSQL, which the
    clients' key then looks up beside the trigram name index (one bitmap of
    both), rather than a test of every client of the firm against a subquery."""
    numbered = ClientNumber.objects.filter(firm_id=firm_id, number__startswith=text).values(
        "client_id"
    )
    if connection.vendor == "postgresql":  # pragma: no mutate block (PostgreSQL only)
        condition = Q(AnyOf(F("pk"), ArraySubquery(numbered)))
    else:
        condition = Q(pk__in=numbered)
    name = name_contains(firm_id=firm_id, text=text)
    if name is not None:
        condition |= name
    return condition
