"""The API against its own live OpenAPI document, with schemathesis: for every
operation, generated requests (valid and invalid) never get a server error, and
every answer conforms to the document (status, content type, headers, body).

The document is read from the running application (/api/v1/openapi.json over
WSGI); requests carry a read-and-write token of a firm's primary admin, whose
firm has a client, a wholesale subscription, a statement and an import."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.services import api_token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _one_connection():
    """The application is called directly over WSGI inside the test's transaction:
    as Django's test client does, the connection is not closed at each request's
    end (PostgreSQL would lose the transaction; in-memory SQLite ignores it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, settings, firm, primary_admin, complete_profile, wholesale, media_root):
    """A token of a firm with one object of each kind (ids start near 1, where
    generated ids land too)."""
    from imports.models import ImportMode
    from tests.billing.factories import issued_statement
    from tests.imports.factories import ImportJobFactory

    settings.API_RATE_LIMIT = 1_000_000
    with scopes_disabled():
        wholesale("essentials")
        issued_statement(firm)
        ImportJobFactory(firm=firm, created_by=primary_admin.user, mode=ImportMode.CHECK)
        _row, token = api_token_create(
            firm=firm, by=primary_admin, name="schemathesis", scope="read_write", expires_in_days=30
        )
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_every_operation_conforms_and_never_errors(case, bearer):
    # Schema-valid requests may still break a rule (an empty name, a cursor this
    # API did not make): they get a 4xx problem, which the other checks verify.
    # A case whose headers were made invalid (its token left out, say) is sent as
    # generated: adding the token back would make it valid while still counted as
    # invalid data that should have been refused.
    negative_headers = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    headers = {} if negative_headers else bearer
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
