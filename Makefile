# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make play   install and start the terminal quiz
#   make test   install with the dev extras and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
# What mypy checks: all of the shipped code.
MYPY_PATHS := bot/ adapters/

.PHONY: play test lint bench soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

play: $(VENV)/.installed
	$(BIN)/quizbot play $(ARGS)

# Soak-marked tests (tests/reliability) are left to `make soak`; QUIZBOT_SOAK=1 scales the
# counts of the CI-sized reliability tests, and the scores property test, up to their soak size.
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PATHS)
	$(BIN)/python -m pytest -q -m "not soak" $(ARGS)

soak: $(VENV)/.installed-dev
	QUIZBOT_SOAK=1 $(BIN)/python -m pytest -q tests/reliability \
		tests/schedule/test_scores_property.py $(ARGS)

# Benchmarks are not tests: each figure against a baseline measured in the same run,
# medians of repeats; a table on stdout and .bench/results.json. BENCH_QUICK=1: small sizes.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m tests.bench.run $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PATHS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis .bench
