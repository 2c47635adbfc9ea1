import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from tests.clients.factories import ClientFactory


@pytest.fixture
def make_client(firm):
    """make_client(**fields) -> a client of `firm` (built outside any scope)."""

    def make(**fields):
        fields.setdefault("firm", firm)
        with scopes_disabled():
            return ClientFactory(**fields)

    return make


@pytest.fixture
def urls(firm):
    def url(name, **kwargs):
        return reverse(f"clients:{name}", kwargs={"firm_slug": firm.slug, **kwargs})

    return url


# travel(days=..., seconds=...): move the clock for model timestamps and signed links.
# make_clients / run_import: imports change client numbers, shown in the history.
from tests.imports.conftest import make_clients, run_import  # noqa: E402, F401
from tests.practice.conftest import travel  # noqa: E402, F401
