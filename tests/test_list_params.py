"""Whatever a person or an attacker puts in the query string of a list page,
the answer is a page or a refusal, never a server error (issue 14.3): arbitrary
text and bytes, numbers beyond 64 bits, and forged page cursors (any JSON)."""

import base64
import json
from urllib.parse import quote_from_bytes

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

LIST_FILTERS = ["q", "type", "lead", "inactive", "sort", "after", "before", "last", "page"]
# Each list page and the GET parameters it reads.
PAGES = {
    "clients:list": LIST_FILTERS,
    "clients:export": LIST_FILTERS,
    "billing:index": ["q", "page"],
    "billing:statements": ["page"],
    "imports:index": ["page"],
    "imports:history": ["page"],
    "activity": ["person", "start", "end", "page"],
    "activity_export": ["person", "start", "end"],
    "team": ["page"],
}

# Text with lone surrogates too: JSON can carry them, no database can store them.
any_text = st.text(st.characters(categories=["L", "N", "P", "Cs", "Cc"]), max_size=20)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
cursors = st.one_of(json_values, st.tuples(scalars, scalars).map(list)).map(
    lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
)
raw_bytes = st.binary(max_size=40).map(quote_from_bytes)
texts = st.text(max_size=40).map(
    lambda text: quote_from_bytes(text.encode("utf-8", "surrogatepass"))
)
numbers = st.integers().map(str)
values = st.one_of(cursors, raw_bytes, texts, numbers)


@pytest.fixture
def pages(firm, admin_member, client_for, make_client):
    for i in range(3):
        make_client(display_name=f"Client {i}", client_number=f"N-{i}")
    return client_for(admin_member)


@settings(max_examples=150)
@given(
    name=st.sampled_from(sorted(PAGES)),
    data=st.data(),
    htmx=st.booleans(),
)
def test_no_parameter_value_makes_a_list_page_fail(firm, pages, name, data, htmx):
    keys = data.draw(st.lists(st.sampled_from(PAGES[name]), min_size=1, max_size=4))
    query = "&".join(f"{key}={data.draw(values)}" for key in keys)
    headers = {"HX-Request": "true"} if htmx else {}
    response = pages.get(f"{reverse(name, args=[firm.slug])}?{query}", headers=headers)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    assert response.status_code < 500, (name, query)


@settings(max_examples=100)
@given(
    # Mostly the shapes a cursor has (a text and a row id), so the odd ones are near.
    value=st.one_of(any_text, scalars),
    pk=st.one_of(st.integers(min_value=1, max_value=1000), scalars),
    key=st.sampled_from(["after", "before"]),
    sort=st.sampled_from(["name", "-client_number", "status"]),
)
def test_a_forged_cursor_never_makes_the_client_list_fail(firm, pages, value, pk, key, sort):
    token = base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")
    response = pages.get(reverse("clients:list", args=[firm.slug]), {key: token, "sort": sort})
    assert response.status_code == 200, (value, pk)
