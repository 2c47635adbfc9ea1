"""gunicorn settings, read from the environment (the Docker image and
`make loadtest` use this file: `gunicorn -c gunicorn.conf.py practice.wsgi`).

Request sizes are bounded here (the request line and headers) and in the app
(the body: REQUEST_MAX_BYTES, see practice/uploads.py). Sync workers close the
connection after each answer, so an unread body is never drained."""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 3)
worker_class = "sync"
# A request that takes longer is cut off (the worker is restarted); slow clients
# holding a worker are bounded by the same timeout.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 2)
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 4094)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 50)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)
# Workers are replaced now and then, so a slow leak cannot grow without end.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
