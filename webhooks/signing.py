"""How each delivery is signed (documented in the README and on the endpoint page).

Headers:
  Ledgerly-Timestamp: the time of sending, in whole seconds since 1970-01-01 UTC;
  Ledgerly-Signature: "sha256=" + hex(HMAC-SHA256(secret, f"{timestamp}.{body}")),
    where `secret` is the endpoint's signing secret and `body` the raw request body,
    both as UTF-8;
  Ledgerly-Event-Id, Ledgerly-Event-Type, Ledgerly-Delivery-Attempt.

A receiver recomputes the signature over the raw body, compares it in constant
time, refuses a timestamp further than settings.WEBHOOKS_REPLAY_WINDOW_SECONDS (5
minutes) from its own clock, and ignores an event id it has already handled:
every attempt is signed afresh, with its own timestamp, and carries the same id."""

import hashlib
import hmac
import json

SIGNATURE_PREFIX = "sha256="


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def headers(*, secret: str, timestamp: int, body: bytes, payload: dict, attempt: int) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Ledgerly-Webhooks/1",
        "Ledgerly-Event-Id": payload["id"],
        "Ledgerly-Event-Type": payload["type"],
        "Ledgerly-Delivery-Attempt": str(attempt),
        "Ledgerly-Timestamp": str(timestamp),
        "Ledgerly-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }
