"""Request bodies are bounded while they are read, never after.

Three layers, outermost first:
- `RequestSizeLimit` (WSGI, wraps the application in practice.wsgi): a body whose
  Content-Length is over REQUEST_MAX_BYTES is answered 413 without being read.
- `UploadGateMiddleware`: a view not marked `@accepts_uploads` takes no files: a
  multipart body too large for plain form fields is refused before anything reads
  it, and the file parts of a smaller one are discarded unwritten.
- `CappedUploadHandler` (first of FILE_UPLOAD_HANDLERS): once the files of a
  request pass IMPORT_MAX_BYTES it stops the upload before the chunk that crosses
  the limit reaches the handlers that write, so at most the limit is ever stored.
  The view then tells the user the file is over the limit (`upload_refused`).
"""

import json
from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

BODY_METHODS = {"POST", "PUT", "PATCH"}


def too_large_message() -> str:
    return _("The file is larger than the limit of %(limit)s.") % {
        "limit": filesizeformat(settings.IMPORT_MAX_BYTES)
    }


def accepts_uploads(view):
    """Mark a view as one that takes files: multipart bodies go to no other."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper.accepts_uploads = True
    return wrapper


def upload_refused(request) -> bool:
    """True when this request's files were cut off at the size limit."""
    return getattr(request, "_upload_refused", False)


class CappedUploadHandler(FileUploadHandler):
    """Passes chunks on to the writing handlers while the request's files stay
    within IMPORT_MAX_BYTES, and stops the upload at the first chunk that would
    cross it. The rest of a body within REQUEST_MAX_BYTES is read and discarded
    chunk by chunk (so the browser gets the answer); a longer one is left unread."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body = input_data
        self.body_length = content_length or 0
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if not getattr(self.request, "_uploads_accepted", False):
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            if self.request is not None:
                self.request._upload_refused = True
            if self.body_length <= settings.REQUEST_MAX_BYTES:
                while self.body.read(self.chunk_size):
                    pass
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def _is_multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower().startswith("multipart/")


class UploadGateMiddleware:
    """Files only for views marked `@accepts_uploads`. Elsewhere a multipart
    body larger than form fields may be (DATA_UPLOAD_MAX_MEMORY_SIZE) is answered
    413 before it is read, and the file parts of a smaller one are discarded
    unwritten (see CappedUploadHandler.new_file): the sign-in page takes no files."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in BODY_METHODS and _is_multipart(request.META.get("CONTENT_TYPE", "")):
            try:
                view = resolve(request.path_info).func
            except Resolver404:
                view = None
            request._uploads_accepted = getattr(view, "accepts_uploads", False)
            if not request._uploads_accepted and _content_length(request.META) > (
                settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
            ):
                return HttpResponse(
                    _("This page does not accept files."),
                    status=413,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


def _content_length(environ) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class RequestSizeLimit:
    """WSGI middleware: a Content-Length over REQUEST_MAX_BYTES is answered 413
    without reading the body."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if _content_length(environ) > settings.REQUEST_MAX_BYTES:
            return self._refuse(environ, start_response)
        return self.application(environ, start_response)

    def _refuse(self, environ, start_response):
        language = translation.get_language_from_request(WSGIRequest(environ))
        with translation.override(language):
            message = too_large_message()
            title = _("Content too large")
        if environ.get("PATH_INFO", "").startswith("/api/"):
            # The API answers every error as RFC 9457 problem details.
            content_type = "application/problem+json"
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": title,
                    "status": 413,
                    "detail": message,
                    "code": "too_large",
                },
                ensure_ascii=False,
            ).encode()
        else:
            content_type = "text/html; charset=utf-8"
            body = (
                f'<!doctype html><html lang="{language}"><meta charset="utf-8">'
                f"<title>413</title><p>{escape(message)}</p></html>"
            ).encode()
        start_response(
            "413 Content Too Large",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        )
        return [body]
