# Simpul: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
# The app reads WORKERS too: it refuses several workers on SQLite.
export WORKERS
N ?= 200000

# `make run` is the development server: the development secret is allowed there only.
export PLATFORM_ENV ?= development

.PHONY: install run serve migrate seed seed-demo seed-bench makemigrations schema test test-postgres fuzz bench bench-peers admin-reset clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python -m server.manage migrate

seed: migrate
	$(BIN)/python -m server.manage seed

seed-demo: migrate
	$(BIN)/python -m server.manage seed --demo

seed-bench: migrate
	$(BIN)/python -m server.manage seed-bench $(N)

run: seed-demo
	@echo ""
	@echo "Simpul is starting on http://$(HOST):$(PORT)"
	@echo "  GraphiQL     http://$(HOST):$(PORT)/graphql"
	@echo "  admin panel  http://$(HOST):$(PORT)/admin/"
	@echo "  health       http://$(HOST):$(PORT)/health"
	@echo "  demo users (password demo-password): kominfo (Kominfo admin), staff.karawang (32.15), staff.bekasi (32.16)"
	@echo ""
	@$(MAKE) --no-print-directory serve

serve: install
	$(BIN)/uvicorn server.asgi:app --host $(HOST) --port $(PORT) --workers $(WORKERS) --no-proxy-headers

# `make makemigrations NAME=announcement`: the next migration from the models, named.
makemigrations: install
	$(BIN)/python -m server.manage makemigrations $(if $(NAME),--name "$(NAME)")

# Regenerate the committed SDL snapshot (schema/schema.graphql) from the declarations.
schema: install
	$(BIN)/python -m server.manage schema

test: install
	$(BIN)/python -m pytest

# The same suite on PostgreSQL and Redis (each test run creates and drops its own database).
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m pytest

# Property-based fuzzing of the whole API with many more examples than `make test` runs (tests/test_fuzz.py).
fuzz: install
	FUZZ_EXAMPLES=500 $(BIN)/python -m pytest tests/test_fuzz.py

# `make bench ROWS=50000 REPEAT=30`: figures and ratios against a baseline run in the same process.
bench: install
	$(BIN)/python -m bench $(if $(ROWS),--rows $(ROWS)) $(if $(REPEAT),--repeat $(REPEAT))

# `make bench-peers [RUNS=2 DURATION=10s BASELINE=7b29098 ONLY_QUERIES="Q1 Q4"]`: Simpul (compiled reads, interpreted
# reads, the baseline commit) beside PostGraphile, strawberry-django and the hand-written floor on the peers'
# PostgreSQL data, in one run, one table (bench/peers/README.md; about 30 minutes; needs PostgreSQL and Redis).
bench-peers:
	bench/peers/run.sh

# Recovery: `make admin-reset USER=<username>` gives that existing account the kominfo_admin role in every
# regency (and restores the rule kominfo_admin * * *). USER must be given on the command line: the shell's
# own $USER is never taken for it.
admin-reset: install
	@if [ "$(origin USER)" != "command line" ] || [ -z "$(USER)" ]; then \
		echo "usage: make admin-reset USER=<username>" >&2; exit 2; fi
	$(BIN)/python -m server.manage grant-admin "$(USER)"

clean:
	rm -rf $(VENV) data/*.sqlite3*
