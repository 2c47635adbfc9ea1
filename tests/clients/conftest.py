import pytest
from django.urls import reverse


@pytest.fixture
def urls(firm):
    def url(name, **kwargs):
        return reverse(f"clients:{name}", kwargs={"firm_slug": firm.slug, **kwargs})

    return url
