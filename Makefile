# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck format bench bench-national load load-fleet install setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

setup: $(STAMP)
	$(BIN)/phoqr setup

run: setup
	PHOQR_ENVIRONMENT=$${PHOQR_ENVIRONMENT:-development} $(BIN)/phoqr serve

# one pytest worker per core (pytest-xdist); a module's tests stay on one worker, so its module fixtures (a live
# server, a browser) are built once. PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# mypy is strict on all three packages: pyproject's [tool.mypy] sets strict = true
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy qr integrations app

typecheck: $(STAMP)
	$(BIN)/mypy qr integrations app

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench

# the user-facing figures at national size (PHOQR_NATIONAL_SHOPS, default 5,000,000) on a scratch PostgreSQL database
bench-national: $(STAMP)
	$(BIN)/python -m bench national_bench

# two uvicorn workers on a private PostgreSQL cluster, 60 s of field traffic, kill -9 and a database stop (root)
load: $(STAMP)
	$(BIN)/python -m load

# the same on issue 20's topology: the cluster as primary, a streaming replica, a PgBouncer (transaction mode) in
# front of each, banks reading from the replica; one more fault: the replica stopped and started under traffic (root)
load-fleet: $(STAMP)
	PHOQR_LOAD_TOPOLOGY=fleet $(BIN)/python -m load

clean:
	rm -rf $(VENV) var
