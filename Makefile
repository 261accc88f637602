# OpenHall — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench e2e migrate demo vendor messages clean help

help:
	@echo "make run    set up and start OpenHall on http://127.0.0.1:8000 (SQLite, demo data, a fake WeChat)"
	@echo "make test   set up and run ruff, the import layers, mypy, the migration check and the tests"
	@echo "make bench  run the benchmarks; figures go to bench/results/"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "OpenHall needs Python 3.11+"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/openhall migrate --noinput -v0

demo: migrate
	$(BIN)/openhall demo_data

run: demo
	$(BIN)/openhall serve --fake-wechat

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/openhall makemigrations --check --dry-run
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.booking
	$(BIN)/python -m bench.h5_weight
	$(BIN)/python -m bench.display_fanout
	$(BIN)/python -m bench.registration_rush
	$(BIN)/python -m bench.lock_propagation
	$(BIN)/python -m bench.faults

vendor:
	bash scripts/vendor.sh

messages: $(STAMP)
	cd openhall && ../$(BIN)/openhall makemessages -l zh_Hans --no-obsolete --no-location
	cd openhall && ../$(BIN)/openhall compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache .grimp_cache .mypy_cache
