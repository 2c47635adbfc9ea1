# Production image: gunicorn serves the app, whitenoise the static files. The same
# image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=practice.settings

# Pango and a font for the PDF statements (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system ledgerly && useradd --system --gid ledgerly --home-dir /app ledgerly

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY practice/__init__.py practice/__init__.py
COPY clients/__init__.py clients/__init__.py
COPY subscriptions/__init__.py subscriptions/__init__.py
COPY billing/__init__.py billing/__init__.py
COPY imports/__init__.py imports/__init__.py
# Dependencies first (cached while only the code changes), then the project itself.
RUN pip install -c constraints.txt . && pip uninstall -y ledgerly-practice

COPY . .
# Build-time only values: collectstatic and compiling the catalogues need settings.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && DEBUG=0 SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost \
        python manage.py compilemessages_py \
    && mkdir -p /app/var/media \
    && chown -R ledgerly:ledgerly /app/var

USER ledgerly
EXPOSE 8000
# The web healthcheck lives in docker-compose.yml: worker and beat share this image.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "practice.wsgi"]
