# Two commands on a fresh machine: `make run` (app with demo data), `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
SCALE ?= 1

.PHONY: run test test-clock lint bench bench-browser bench-crowd seed migrate clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The message catalogue, compiled (lib/i18n.py).
MO := lib/locale/fr/LC_MESSAGES/messages.mo
$(MO): lib/locale/fr/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(BIN)/python -m lib.i18n

migrate: $(VENV)/.runtime $(MO)
	$(BIN)/python -c "from lib.db import upgrade_to_head; upgrade_to_head()"

seed: migrate
	$(BIN)/python -m lib.seed

# app.py is the whole application: the pages (frame.py) and the routes (/healthz, /calendar/...).
run: seed
	$(BIN)/streamlit run app.py --server.port $(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# axe-core for the accessibility tests, at the version package-lock.json pins.
AXE := tests/e2e/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/axe/package-lock.json
	npm ci --prefix tests/e2e/axe --no-audit --no-fund
	touch $@

test: lint $(AXE) $(MO)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The clock sweep (tests/moments.py): the page tests and the role journeys at every moment of
# the week and of a promotion; SWEEP="--ci" keeps the browser journeys to CI's two moments.
test-clock: $(VENV)/.dev $(AXE) $(MO)
	$(BIN)/python -m tests.clock_sweep $(SWEEP) -- -n 2 --dist loadgroup

bench: $(VENV)/.dev
	$(BIN)/python -m bench --scale $(SCALE)

bench-browser: $(VENV)/.dev
	$(BIN)/python -m bench.browser --scale $(SCALE)

# The server alone under 1-30 sessions at once (websocket clients, no browser): SQLite with one
# process, then PostgreSQL with one and two (docs/deployment.md, "How many processes").
bench-crowd: $(VENV)/.dev $(MO)
	$(BIN)/python -m bench.protocol --scale $(SCALE) --sessions 30
	$(BIN)/python -m bench.protocol --scale $(SCALE) --sessions 30 --processes 2 --postgresql

clean:
	rm -rf $(VENV) $(MO) tests/e2e/axe/node_modules data/*.db data/*.db-* .pytest_cache .ruff_cache tests/artifacts
