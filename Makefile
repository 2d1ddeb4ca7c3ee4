# eventsite: `make run` serves the demo site, `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventsite

TRANSLATIONS := eventsite/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
# gettext's keywords beyond Babel's defaults (flask_babel's lazy forms).
KEYWORDS := -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

.PHONY: run test lint format bench clean translations

run: $(VENV)/.runtime $(COMPILED) ## set up, migrate, load demo data (if empty) and serve on :5000
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --debug --host 127.0.0.1 --port 5000

test: $(VENV)/.dev $(COMPILED) ## lint, then the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
# ical.js (Thunderbird's parser, for tests/test_feeds.py), from the committed lock file:
	@if command -v npm >/dev/null && { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then \
		echo "npm ci --silent"; npm ci --silent; fi
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev $(COMPILED) ## a brew round of 2,000, then one table: pages and feeds vs nginx and hello-world, writes, cold feed, memory
# wrk and nginx from Debian's packages; the PostgreSQL database the write row uses.
	@command -v wrk >/dev/null && [ -x /usr/sbin/nginx ] || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; }
	@if [ -z "$$BENCH_DATABASE_URL" ] && command -v psql >/dev/null; then \
		psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'eventsite_bench'" | grep -q 1 || \
		psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE eventsite_bench"; fi
	$(BIN)/python bench/brew.py
	$(BIN)/python bench/run.py

translations: $(VENV)/.runtime ## extract every message, bring each catalogue up to date, compile them
	$(BIN)/pybabel extract -F babel.cfg $(KEYWORDS) --no-wrap --add-location=file \
		--project=eventsite --copyright-holder="eventsite contributors" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(BIN)/pybabel compile -i $< -o $@

$(VENV)/.runtime: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
