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
