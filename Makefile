# countysim: `make demo` and `make test` do all set-up on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench validate lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/countysim compare scenarios/example-baseline.yaml scenarios/example-same-power.yaml \
		-r 5 --out results/demo
	@echo "Results are in results/demo: compare.csv and one folder per scenario"

test: $(STAMP)
	$(BIN)/countysim validate --quick --out results/validation-quick
	$(BIN)/python -m pytest -q

validate: $(STAMP)
	$(BIN)/countysim validate --out results/validation

bench: $(STAMP)
	$(BIN)/python bench/core.py

clean:
	rm -rf $(VENV) results/demo results/bench

lint: $(STAMP)
	$(BIN)/ruff check sim tests bench
	$(BIN)/ruff format --check sim tests bench
