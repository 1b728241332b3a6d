# Two commands for a newcomer: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
CHROMIUM ?= /usr/bin/chromium
# `make run PORT=8001` serves on another port; links in emails follow it (config/settings.py).
PORT ?= 8000
# Local runs use the debug settings; production sets its own environment (see README).
DEV_ENV := DJANGO_DEBUG=1 PORT=$(PORT)
# `make collectstatic` builds what a production server serves, so it runs with debug off and
# the production storage; settings then require a key and an address, which the build never
# uses: these placeholders are for the build only (the real environment still wins for the rest).
BUILD_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-build-only-not-a-secret \
	DJANGO_SITE_URL=https://collectstatic.invalid
# `make test-postgres` runs the suite on this server; the test database is test_<name>.
DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/assess

.DEFAULT_GOAL := help
# The Python lock (requirements/*.txt, with hashes) is made for Python 3.11 on Linux x86-64.
# `make lock` refreshes it from pyproject.toml, keeping the pins it can; `make lock UPGRADE=1`
# moves every package to the newest release its range allows.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

.PHONY: help setup lock run test test-unit test-e2e test-postgres lint migrate seed static collectstatic clean

help: ## List the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# Installs exactly the locked versions, each checked against its hash. The project itself is
# not installed: it has no package of its own (pyproject.toml, packages = []).
$(STAMP)/venv: requirements/dev.txt
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	@touch $@

$(STAMP)/npm: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund
	@touch $@

$(STAMP)/static: $(STAMP)/npm static/src/app.scss static/src/copy-vendor.mjs
	npm run build
	@touch $@

setup: $(STAMP)/venv $(STAMP)/static ## Install Python (from the lock) and npm dependencies, build static files

lock: $(STAMP)/venv ## Refresh requirements/*.txt from pyproject.toml (UPGRADE=1 for newest)
	$(PIP_COMPILE) --output-file requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements/base.txt \
		--output-file requirements/dev.txt pyproject.toml

migrate: setup ## Apply database migrations
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input

seed: migrate ## Load the demo partnerships and personas
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

run: seed ## Set up, seed demo data, start the email worker and serve on http://127.0.0.1:PORT
	@# The worker (django-tasks' database queue) sends queued email, to the console here; it
	@# stops when the server does (Ctrl+C), whichever way the server ends.
	@$(DEV_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup ## Run the whole suite (browser tests too when Chromium is installed)
	@if [ -x "$(CHROMIUM)" ]; then \
		$(BIN)/pytest; \
	elif [ -n "$$REQUIRE_BROWSER" ]; then \
		echo "Chromium is not installed at $(CHROMIUM) and REQUIRE_BROWSER is set: failing."; exit 1; \
	else \
		echo ""; \
		echo "*** Chromium is not installed: the browser tests in tests/e2e are NOT being run. ***"; \
		echo "*** Install it with: sudo apt-get install -y chromium                           ***"; \
		echo ""; \
		$(BIN)/pytest --ignore=tests/e2e; \
	fi

test-unit: setup ## Run the suite without the browser tests
	$(BIN)/pytest --ignore=tests/e2e

test-e2e: setup ## Run only the browser tests (needs Chromium)
	$(BIN)/pytest tests/e2e

test-postgres: setup ## Run the suite on PostgreSQL at DATABASE_URL (creates test_<name>)
	DATABASE_URL=$(DATABASE_URL) $(BIN)/pytest --create-db $(PYTEST_ARGS)

lint: setup ## Check style with ruff and that migrations are up to date
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

collectstatic: setup ## Build static files as production serves them: hashed, compressed, with the manifest
	@# Into staticfiles/ (or DJANGO_STATIC_ROOT). A file a stylesheet or module refers to that
	@# does not exist fails the build (config/storage.py); without the manifest a server with
	@# debug off could serve no page.
	$(BUILD_ENV) $(BIN)/python manage.py collectstatic --no-input --clear
	@test -s "$${DJANGO_STATIC_ROOT:-staticfiles}/staticfiles.json" || \
		{ echo "collectstatic wrote no manifest"; exit 1; }

clean: ## Remove the virtual environment, node_modules and built files
	rm -rf $(VENV) node_modules $(STAMP) static/vendor static/build staticfiles
