# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install lint migrate demo bench

$(BIN)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

migrate: install
	mkdir -p instance
	$(BIN)/myportal db upgrade

demo: migrate
	$(BIN)/myportal demo-data

run: demo
	$(BIN)/myportal run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

SIZE ?= small
BENCH_DATABASES ?= sqlite,postgresql

bench: install
	$(BIN)/pip install --quiet -e '.[production]'
	nice -n 10 $(BIN)/python -m bench.run --size $(SIZE) --databases $(BENCH_DATABASES)
