import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
django_application = get_wsgi_application()

from practice.uploads import RequestSizeLimit  # noqa: E402

# Bodies over REQUEST_MAX_BYTES are answered 413 before Django reads them.
application = RequestSizeLimit(django_application)
