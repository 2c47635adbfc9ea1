import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.models import ClientAssignment
from practice.models import ClientAccess
from tests.practice.factories import MembershipFactory


@pytest.fixture
def urls(firm):
    def url(name, **kwargs):
        return reverse(f"clients:{name}", kwargs={"firm_slug": firm.slug, **kwargs})

    return url


@pytest.fixture
def restricted(firm, primary_admin):
    """A standard member set to "assigned clients only"."""
    with scopes_disabled():
        return MembershipFactory(firm=firm, client_access=ClientAccess.ASSIGNED)


@pytest.fixture
def three(firm, primary_admin, restricted, make_client):
    """(assigned, led, unreachable): one client assigned to the restricted member,
    one they lead, one of the same firm they may not reach."""
    assigned = make_client(display_name="Assigned Co", client_number="A-1")
    led = make_client(display_name="Led Co", client_number="L-1", lead_accountant=restricted)
    hidden = make_client(
        display_name="Hidden Co", client_number="H-1", lead_accountant=primary_admin
    )
    with scopes_disabled():
        ClientAssignment.objects.create(firm=firm, client=assigned, membership=restricted)
    return assigned, led, hidden


def read_csv(response, delimiter=",") -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.fixture
def helper(firm, primary_admin):
    """A standard member restricted to assigned clients."""
    with scopes_disabled():
        return MembershipFactory(
            firm=firm,
            role="standard",
            client_access=ClientAccess.ASSIGNED,
            user__full_name="Hélène Aide",
        )


@pytest.fixture
def search_plan(db):
    """PostgreSQL: search_plan(queryset) -> its plan as text, bitmap scans only,
    the clients table keeping only what a search asks of it: the trigram name
    index and an index on the id alone (the numbered clients' ids are looked up
    by key), so that the plan shows what each is asked. The other indexes and
    constraints are dropped; the test's transaction puts them back."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, EXISTS (SELECT 1 FROM pg_constraint WHERE conname = indexname)"
            " FROM pg_indexes WHERE tablename = 'clients_client'"
        )
        for name, constraint in cursor.fetchall():
            if name != "client_firm_search_trgm":
                cursor.execute(
                    f'ALTER TABLE clients_client DROP CONSTRAINT "{name}" CASCADE'
                    if constraint
                    else f'DROP INDEX "{name}"'
                )
        cursor.execute("CREATE INDEX client_id_only ON clients_client (id)")

    def plan(qs) -> str:
        sql, params = qs.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            for switch in ("seqscan", "indexscan", "indexonlyscan"):
                cursor.execute(f"SET LOCAL enable_{switch} = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    return plan
