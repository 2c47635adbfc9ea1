# Two commands: `make run` (app + worker on SQLite, demo data) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python >= 3.12: the first interpreter that actually runs (pyenv shims may not).
PYTHON ?= $(shell for p in python3.13 $$(ls -d $$HOME/.pyenv/versions/3.13*/bin/python3 2>/dev/null) python3.12 $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3 2>/dev/null) python3; do \
	"$$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint messages bench loadtest mutate clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.13 or python3.12 on PATH)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

install: $(VENV)/.installed messages

messages: $(VENV)/.installed
	@DEBUG=1 $(PY) manage.py compilemessages_py

run: install
	@mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py broker_prepare
	DEBUG=1 $(PY) manage.py demo_data
	@echo ""; echo "Ledgerly runs at http://$(HOST):$(PORT)/  (Ctrl-C stops the web app and the worker)"; echo ""
	@DEBUG=1 SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" bash -c 'trap "kill 0" EXIT; \
		$(VENV)/bin/celery -A practice worker --beat --pool=solo --loglevel=INFO -s var/celerybeat-schedule & \
		$(PY) manage.py runserver $(HOST):$(PORT) --noreload'

# Uses DATABASE_URL / REDIS_URL when set (as .ci/run does), SQLite and an in-process
# broker otherwise. Browser tests run when E2E=1 or /usr/bin/chromium exists.
# -n 2: measured faster on PostgreSQL with the browser tests (each worker has its own
# test database, live server and Chromium).
PYTEST_ARGS ?= -n 2
test: install
	@url=$$(printf %s "$${DATABASE_URL:-}" | sed -E 's|//([^:/@]+):[^@]*@|//\1:***@|'); \
	case "$$url" in \
		"") db="SQLite (in memory)";; \
		postgres*) db="PostgreSQL (DATABASE_URL=$$url)";; \
		*) db="DATABASE_URL=$$url";; \
	esac; \
	broker="in-process broker (Celery tasks run eagerly)"; \
	[ -z "$${REDIS_URL:-}" ] || broker="Redis (REDIS_URL=$$REDIS_URL)"; \
	echo "Using database: $$db / broker: $$broker"
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache
	@DJANGO_SETTINGS_MODULE=practice.settings_test $(PY) manage.py makemigrations --check --dry-run >/dev/null \
		|| { echo "Missing migrations: run manage.py makemigrations"; exit 1; }
	@echo "No missing migrations."
	DJANGO_SETTINGS_MODULE=practice.settings_test $(PY) manage.py check_translations
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Needs PostgreSQL: DATABASE_URL=postgres://... make bench
bench: install
	@DJANGO_SETTINGS_MODULE=practice.settings DEBUG=0 SECURE=0 STATIC_MANIFEST=0 \
		ALLOWED_HOSTS="testserver,localhost,127.0.0.1" \
		SECRET_KEY="$${SECRET_KEY:-bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz}" \
		$(PY) manage.py bench

# Needs PostgreSQL: DATABASE_URL=postgres://... make loadtest (LOAD_SECONDS=60 for a
# shorter run). Migrates DATABASE_URL's database and adds the benchmark firm to it.
loadtest: install
	@DJANGO_SETTINGS_MODULE=practice.settings DEBUG=0 SECURE=0 STATIC_MANIFEST=0 \
		ALLOWED_HOSTS="127.0.0.1,localhost" LOG_LEVEL=WARNING \
		SECRET_KEY="$${SECRET_KEY:-load-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz}" \
		bash -c '$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py loadtest'

# Mutation testing of the critical modules (slow; not part of `make test` or CI):
# tools/mutate.py runs mutmut per group of modules against the group's own tests,
# MUTATE_JOBS mutants at a time (1 on a busy machine). Survivors that no test can
# tell apart are explained in tools/mutate-equivalent.md. GROUPS="clients_access"
# runs some groups only.
MUTATE_JOBS ?= 2
mutate: install
	$(PY) tools/mutate.py --jobs $(MUTATE_JOBS) $(GROUPS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache test-artifacts mutants
