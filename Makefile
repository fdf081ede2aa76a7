# countysim: `make demo` and `make test` do all set-up on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench validate notebooks lint clean

# Debian's Chromium (report test) and CJK fonts (Chinese names in figures), where we may.
SYSTEM := $(VENV)/.system
$(SYSTEM):
	@mkdir -p $(VENV)
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "CJK"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and fonts-noto-cjk (apt-get)"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "note: install chromium and fonts-noto-cjk for the report test and Chinese names"; fi
	@touch $(SYSTEM)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) $(SYSTEM)
	$(BIN)/countysim compare scenarios/example-baseline.yaml scenarios/example-same-power.yaml \
		-r 5 --out results/demo
	@echo "Results are in results/demo: compare.csv and one folder per scenario"

test: $(STAMP) $(SYSTEM)
	$(BIN)/countysim validate --quick --out results/validation-quick
	$(BIN)/python -m pytest -q -m "not slow"

notebooks: $(STAMP) $(SYSTEM)
	$(BIN)/jupyter nbconvert --to html --execute notebooks/*.ipynb --output-dir results/notebooks \
		--ExecutePreprocessor.timeout=3600
	@echo "HTML copies are in results/notebooks"

validate: $(STAMP)
	$(BIN)/countysim validate --out results/validation
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python bench/core.py
	$(BIN)/python bench/data.py

clean:
	rm -rf $(VENV) results/demo results/bench

lint: $(STAMP)
	$(BIN)/ruff check sim tests bench
	$(BIN)/ruff format --check sim tests bench
