"""Request bodies are bounded while they are read (issue 14 §4): an upload over
the limit stops being written at the limit, a page that takes no files writes
none, and a body over REQUEST_MAX_BYTES is refused without being read."""

import io
import runpy
import socket
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import reverse
from django.utils.crypto import get_random_string
from django_scopes import scopes_disabled

from imports.models import ImportJob
from practice.uploads import RequestSizeLimit

CHUNK = 64 * 1024
BASE_DIR = Path(__file__).resolve().parents[2]


class RecordingHandler(FileUploadHandler):
    """Sits right after the cap: every byte it sees may be written by the
    handlers after it (memory, then a temporary file)."""

    written = 0

    def receive_data_chunk(self, raw_data, start):
        RecordingHandler.written += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def recorded(settings, tmp_path):
    RecordingHandler.written = 0
    settings.FILE_UPLOAD_HANDLERS = [
        "practice.uploads.CappedUploadHandler",
        f"{__name__}.RecordingHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # everything kept goes to disk
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "uploads").mkdir()
    return tmp_path


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


class CountingInput(io.RawIOBase):
    """A request body that is never there: it only counts what is read of it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = b"x" * len(buffer)
        return len(buffer)


def test_an_upload_over_the_limit_is_written_no_further_than_the_limit(
    client_for, firm, standard_member, settings, recorded
):
    settings.IMPORT_MAX_BYTES = 256 * 1024
    body = b"1,Client,N-1\n" * (3 * 1024 * 1024 // 13)
    response = client_for(standard_member).post(
        reverse("imports:index", args=[firm.slug]),
        {"file": io.BytesIO(body), "mode": "import"},
    )
    assert response.status_code == 400
    assert "The file is larger than the limit of 256.0\xa0KB." in response.content.decode()
    assert RecordingHandler.written <= settings.IMPORT_MAX_BYTES + CHUNK
    assert _files_under(recorded) == []
    with scopes_disabled():
        assert ImportJob.objects.count() == 0


def test_the_message_is_translated(client_for, firm, standard_member, settings, recorded):
    settings.IMPORT_MAX_BYTES = 1024
    client = client_for(standard_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(
        reverse("imports:index", args=[firm.slug]),
        {"file": io.BytesIO(b"x" * 10_000), "mode": "check"},
    )
    assert response.status_code == 400
    assert "Le fichier dépasse la limite de 1,0\xa0Kio." in response.content.decode()


def test_a_file_within_the_limit_still_passes(
    client_for, firm, standard_member, settings, recorded, make_clients
):
    (a,) = make_clients("1")
    data = f"Company ID,Display name,Client number\n{a.company_id},{a.display_name},N-9\n"
    settings.IMPORT_MAX_BYTES = len(data)
    response = client_for(standard_member).post(
        reverse("imports:index", args=[firm.slug]),
        {"file": io.BytesIO(data.encode()), "mode": "check"},
    )
    assert response.status_code == 302
    assert RecordingHandler.written == len(data)


def test_a_page_that_takes_no_file_writes_none(client, db, recorded):
    response = client.post(
        reverse("login"),
        {"username": "someone@example.com", "password": "x", "file": io.BytesIO(b"x" * 500_000)},
    )
    assert response.status_code == 200
    assert RecordingHandler.written == 0
    assert _files_under(recorded) == []


def test_a_large_multipart_body_to_the_sign_in_page_is_refused_unread(client, db, recorded):
    body = CountingInput()
    response = client.generic(
        "POST",
        reverse("login"),
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert _files_under(recorded) == []


def test_the_wsgi_layer_refuses_a_long_body_before_reading_it(settings):
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    settings.REQUEST_MAX_BYTES = 11 * 1024 * 1024

    def app(environ, start_response):
        raise AssertionError("the application must not be reached")

    body = CountingInput()
    answer = {}
    chunks = RequestSizeLimit(app)(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/accounts/login/",
            "CONTENT_LENGTH": str(100 * 1024 * 1024),
            "HTTP_ACCEPT_LANGUAGE": "fr",
            "wsgi.input": body,
        },
        lambda status, headers: answer.update(status=status, headers=dict(headers)),
    )
    assert answer["status"].startswith("413")
    assert "Le fichier dépasse la limite de 10,0\xa0Mio." in b"".join(chunks).decode()
    assert body.read_bytes == 0


def test_the_wsgi_application_is_wrapped():
    from practice.wsgi import application

    assert isinstance(application, RequestSizeLimit)


def test_gunicorn_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("GUNICORN_LIMIT_REQUEST_LINE", "2048")
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert config["timeout"] == 45
    assert config["limit_request_line"] == 2048
    assert config["limit_request_fields"] <= 100
    assert config["limit_request_field_size"] <= 8190
    assert config["worker_class"] == "sync"


def _streamed_post(url: str, headers: dict, head: bytes, size: int, tail: bytes) -> bytes:
    """POST a multipart body of `size` file bytes, sent chunk by chunk from one buffer."""
    parts = urlsplit(url)
    filler = b"x" * CHUNK
    length = len(head) + size + len(tail)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {length}", "Connection: close", "", ""]
        sock.sendall("\r\n".join(lines).encode() + head)
        sent = 0
        while sent < size:
            piece = filler[: min(CHUNK, size - sent)]
            sock.sendall(piece)
            sent += len(piece)
        sock.sendall(tail)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    return answer


def test_a_streamed_upload_is_cut_at_the_limit_and_memory_stays_flat(
    live_server, client, firm, standard_member, settings, recorded
):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    settings.REQUEST_MAX_BYTES = 64 * 1024 * 1024
    size = 40 * 1024 * 1024
    client.force_login(standard_member.user)
    token = get_random_string(32)
    boundary = "----ledgerly-test"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\ncheck\r\n--{boundary}--\r\n'.encode()
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}",
    }
    tracemalloc.start()
    try:
        answer = _streamed_post(
            live_server.url + reverse("imports:index", args=[firm.slug]), headers, head, size, tail
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 400 " in status_line, answer[:500]
    assert "The file is larger than the limit of 1.0\xa0MB." in rest.decode()
    assert RecordingHandler.written <= settings.IMPORT_MAX_BYTES + CHUNK
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte body"
    assert _files_under(recorded) == []
    with scopes_disabled():
        assert ImportJob.objects.count() == 0
