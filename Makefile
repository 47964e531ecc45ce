# The two commands the README promises: `make run` and `make test`.
# Both work on a fresh machine: they make the virtual environment and install what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
AUDIT := tests/api/audit

.PHONY: setup run test lint postgres chromium clean graphiql docs-images

$(BIN)/timeline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

$(AUDIT)/node_modules/.package-lock.json: $(AUDIT)/package-lock.json
	cd $(AUDIT) && npm ci --no-audit --no-fund

setup: $(BIN)/timeline ## make the virtual environment and install timeline with its dev extras

run: setup ## migrate, seed and serve on the SQLite file timeline.db (TIMELINE_DATABASE_URL overrides)
	$(BIN)/timeline db upgrade
	$(BIN)/timeline seed
	$(BIN)/timeline serve --host $(HOST) --port $(PORT)

postgres: ## start the local PostgreSQL cluster when it is not answering
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1

chromium: ## install Debian's chromium for the browser tests when it is missing (they skip without it, unless TIMELINE_REQUIRE_BROWSER is set)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) \
	  || echo "chromium is not installed: the browser tests (tests/e2e) will skip" >&2

lint: setup ## ruff and mypy, as CI runs them
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup $(AUDIT)/node_modules/.package-lock.json postgres chromium lint ## the whole suite, on SQLite and PostgreSQL (the API's HTTP audit needs node and npm; the page's tests, chromium)
	$(BIN)/pytest

docs-images: setup chromium ## retake the README's screenshots of the page into docs/ (make test takes them under build/screenshots)
	TIMELINE_SCREENSHOTS_DIR=docs TIMELINE_REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/e2e/test_replay.py -k screenshot

graphiql: setup ## re-vendor GraphiQL's assets from npm at the versions strawberry's GraphiQL page names (after a strawberry upgrade)
	$(BIN)/python tools/vendor_graphiql.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
