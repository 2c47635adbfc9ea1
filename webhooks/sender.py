"""One HTTP POST of a delivery, to the address that addresses.resolve checked.

The connection goes to that address (TLS still verifies the certificate of the
host name), redirects are not followed (a 3xx is a failed attempt), the
timeouts are short, and at most RESPONSE_READ_BYTES of the answer are read."""

import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from webhooks.addresses import Target

RESPONSE_READ_BYTES = 4096
RESPONSE_KEEP_CHARS = 1000


@dataclass(frozen=True)
class Response:
    status_code: int | None
    duration_ms: int
    error_code: str = ""  # one of webhooks.models.AttemptError, empty when answered
    error: str = ""  # the technical detail
    body: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _read_some(response, deadline: float) -> bytes:
    data = b""
    while len(data) < RESPONSE_READ_BYTES and time.monotonic() < deadline:
        chunk = response.read1(RESPONSE_READ_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data


def post(target: Target, *, body: bytes, headers: dict) -> Response:
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT, read=settings.WEBHOOKS_READ_TIMEOUT
    )
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool_class = urllib3.HTTPSConnectionPool
        options.update(
            cert_reqs="CERT_REQUIRED", server_hostname=target.host, assert_hostname=target.host
        )
    else:
        pool_class = urllib3.HTTPConnectionPool
    started = time.monotonic()
    deadline = started + settings.WEBHOOKS_CONNECT_TIMEOUT + settings.WEBHOOKS_READ_TIMEOUT

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with pool_class(target.address, target.port, **options) as pool:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=True,
            )
            try:
                raw = _read_some(response, deadline)
            finally:
                response.release_conn()
                response.close()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Response(
            status_code=None, duration_ms=elapsed(), error_code=_code(exc), error=str(exc)[:500]
        )
    text = raw.decode("utf-8", errors="replace")[:RESPONSE_KEEP_CHARS]
    code = "redirect" if 300 <= response.status < 400 else ""
    return Response(status_code=response.status, duration_ms=elapsed(), error_code=code, body=text)


def _code(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    errors = urllib3.exceptions
    if isinstance(exc, errors.TimeoutError) or isinstance(
        reason, errors.TimeoutError | TimeoutError
    ):
        return "timeout"
    if isinstance(exc, errors.SSLError) or isinstance(reason, errors.SSLError):
        return "tls"
    if isinstance(reason, errors.NewConnectionError | ConnectionError):
        return "connect"
    return "error"
