"""/api/v1/: the API's address space (included by practice.urls)."""

from api.main import api

patterns, _app, _namespace = api.urls

# The upload takes a file: UploadGateMiddleware lets multipart bodies through to
# views marked so, and the paths of a route share one view.
_upload_routes = {str(p.pattern) for p in patterns if p.name == "import_create"}
for _pattern in patterns:
    if str(_pattern.pattern) in _upload_routes:
        _pattern.callback.accepts_uploads = True

urlpatterns = patterns
