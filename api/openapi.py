"""What the generated OpenAPI document does not say by itself: the problem
answers each operation may give (as application/problem+json), the rate-limit
headers, and the CSV answers."""

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "message", "type"],
            },
        },
        "conditions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "detail", "code"],
}

ERROR_DESCRIPTIONS = {
    400: "Bad request: unreadable JSON, or a cursor that does not belong to this list.",
    401: "No token, or one that is invalid, expired, revoked or whose member left.",
    403: "The token or its member may not do this (read-only token, role).",
    404: "No such object, or one the token's member may not reach.",
    409: "The object's state refuses the change; `conditions` says what to change first.",
    412: "The client changed since the version in If-Match.",
    413: "The request body is over the limit.",
    415: "The request body is not of an accepted media type.",
    422: "Some input is not valid; `errors` says which.",
    428: "If-Match is required.",
    429: "Over the token's rate limit; see Retry-After.",
}

RATE_HEADERS = {
    "RateLimit-Limit": "Requests the token may send per window.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window ends.",
}


def _statuses(method: str, path: str, operation: dict) -> list[int]:
    statuses = [400, 401, 403, 404, 422, 429]
    if method != "get":
        statuses += [409, 413, 415]
    statuses += operation.pop("x-problems", [])
    return sorted(set(statuses))


def document(schema: dict) -> dict:
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    headers = {
        name: {"description": text, "schema": {"type": "integer"}}
        for name, text in RATE_HEADERS.items()
    }
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                for answer in responses.values():
                    answer.setdefault("headers", {}).update(headers)
            for status in _statuses(method, path, operation):
                answer = {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/problem+json": {"schema": problem_ref}},
                }
                if status == 429:
                    answer["headers"] = {
                        "Retry-After": {
                            "description": "Seconds to wait.",
                            "schema": {"type": "integer"},
                        }
                    }
                responses[status] = answer
    return schema


def query_names(schema: dict) -> dict[tuple[str, str], set[str]]:
    """(method, path) -> the query parameters the operation declares."""
    names = {}
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            names[(method, path)] = {
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
            }
    return names
