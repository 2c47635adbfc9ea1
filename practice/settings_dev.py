"""Development settings: what `manage.py` uses unless DJANGO_SETTINGS_MODULE says
otherwise. DEBUG is on unless the environment turns it off; production (gunicorn,
Celery, the Docker image) uses practice.settings."""

import os

os.environ.setdefault("DEBUG", "1")

from practice.settings import *  # noqa: E402,F403
