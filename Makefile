# Two commands a new user needs: `make run` and `make test`. Both set
# themselves up through `make setup` (idempotent): a .venv with the locked
# dependencies and this package installed editable.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP  := $(VENV)/.installed
DATE   ?= 2026-08-22

export GX_ANALYTICS_ENABLED := False

.PHONY: setup run test test-fast lint lock docs report history bench bench-quick clean help

help:
	@echo "make run    # nightly DAG end to end for $(DATE) on SQLite + local lake + replayed boards"
	@echo "make test   # the whole test suite"
	@echo "make test-fast  # unit tests only: no Airflow DAG run, no services, no history end to end"
	@echo "make history  # the nightly pipeline over the 10 greenhouse-history dates, then the reports with trends"
	@echo "make bench | make report | make lint | make docs | make lock | make clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# constraints.txt is the full lock (uv pip compile of requirements.in with
# overrides.txt); `uv pip sync` installs exactly it, nothing more or less.
# --compile-bytecode: uv, unlike pip, installs no .pyc files, and where
# PYTHONDONTWRITEBYTECODE is set (as on our CI machines) Python never writes
# them, so every process (each Airflow task, CLI call and test subprocess)
# compiled pandas, GX and Airflow from source again: importing GX, pandas
# and pyarrow took 9.1 CPU s instead of 4.0. The project's own modules are
# compiled too; an edited module is recompiled in memory, as before.
$(STAMP): $(UV) constraints.txt pyproject.toml
	$(UV) pip sync --compile-bytecode --python $(BIN)/python constraints.txt
	$(UV) pip install --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 include dags plugins > /dev/null
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/jobmarket demo --date $(DATE)

test: setup
	$(BIN)/python -m pytest -q --durations=30

# Unit tests only (no real Airflow run, no started services, not the 10-date
# history end to end): a quick check while working; `make test` runs them all.
test-fast: setup
	$(BIN)/python -m pytest -q -m "not airflow and not integration and not slow"

report: setup
	$(BIN)/jobmarket report --pending

# Ten nights in one command: every date of ../shared/fixtures/greenhouse-history
# (plus the other families' recordings, which have descriptions) through the
# replay server and the nightly pipeline, then every date's report. The lake is
# HISTORY_LAKE (kept; rerun after `rm -rf` it for a fresh build).
HISTORY_LAKE ?= data/history
history: setup
	$(BIN)/jobmarket history --lake $(HISTORY_LAKE)
	@echo "open $(HISTORY_LAKE)/reports/latest/index.html"

# Every stage on realistic inputs built from the recordings; prints one table
# (see docs/performance.md). BENCH_ARGS=--quick for a ~5 minute run.
bench: setup
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: setup
	$(BIN)/python bench/run.py --quick

lint: setup
	$(BIN)/ruff check .

docs: setup
	$(BIN)/jobmarket docs

# Re-resolve the lock after editing requirements.in (needs the package index).
lock: $(UV)
	$(UV) pip compile requirements.in --python-version 3.11 --override overrides.txt -o constraints.txt
	$(BIN)/python scripts/pins.py constraints.txt requirements.in > requirements.txt

clean:
	rm -rf $(VENV) .airflow data .pytest_cache
