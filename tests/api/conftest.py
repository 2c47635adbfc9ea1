"""API fixtures: tokens and a client that sends them.

token_for(membership, scope="read_write", days=30) -> the token text
api(token) -> a Django test client whose requests carry `Authorization: Bearer <token>`
"""

import json

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from api.models import TokenScope
from api.services import api_token_create


class ApiClient:
    """Django's test client, speaking JSON with a bearer token."""

    def __init__(self, token: str | None, language: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _send(self, method, path, body=None, headers=None, **kwargs):
        headers = {**self.headers, **(headers or {})}
        if body is not None and "content_type" not in kwargs:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        elif body is not None:
            kwargs["data"] = body
        return getattr(self.client, method)(path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self._send("get", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self._send("post", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self._send("patch", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self._send("delete", path, **kwargs)


@pytest.fixture
def token_for(db):
    def make(membership, scope=TokenScope.READ_WRITE, days=30, name="Test tool"):
        with scopes_disabled():
            _row, token = api_token_create(
                firm=membership.firm, by=membership, name=name, scope=scope, expires_in_days=days
            )
        return token

    return make


@pytest.fixture
def api():
    def make(token=None, language="en"):
        return ApiClient(token, language)

    return make


def problem_of(response) -> dict:
    assert response["Content-Type"].startswith("application/problem+json"), (
        response.status_code,
        response["Content-Type"],
        response.content[:300],
    )
    body = response.json()
    assert body["status"] == response.status_code
    return body
