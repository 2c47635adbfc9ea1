"""A webhook receiver for tests: a real HTTP server on loopback, in a thread, that
checks each delivery as a firm's own service would (the documented scheme:
HMAC-SHA256 over "<timestamp>.<body>", a 5-minute replay window) and records it."""

import hashlib
import hmac
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW_SECONDS = 300


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool
    reason: str = ""

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def check_signature(*, secret: str, headers: dict, body: bytes, now: float) -> str:
    """Why the delivery must be refused, or "" when it is genuine and fresh."""
    timestamp = headers.get("Ledgerly-Timestamp", "")
    signature = headers.get("Ledgerly-Signature", "")
    if not timestamp.isdigit() or not signature.startswith("sha256="):
        return "missing or malformed signature headers"
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(signature.removeprefix("sha256="), expected):
        return "bad signature"
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return "timestamp outside the replay window"
    return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A sender that gave up (a timeout test) is not an error of the receiver."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Receiver:
    secret: str = ""
    status: int = 200
    answer: bytes = b'{"received": true}'
    extra_headers: dict = field(default_factory=dict)
    delay: float = 0
    requests: list[Received] = field(default_factory=list)
    server: _Server | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/in?source=ledgerly"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                reason = check_signature(
                    secret=receiver.secret, headers=headers, body=body, now=time.time()
                )
                receiver.requests.append(
                    Received(self.path, headers, body, verified=not reason, reason=reason)
                )
                status = receiver.status if not reason else 401
                answer = receiver.answer if not reason else reason.encode()
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
