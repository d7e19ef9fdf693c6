# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make play          install and start the terminal quiz
#   make leaderboard   the standings
#   make test          install with the dev extras and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
# What mypy checks: all of the shipped code.
MYPY_PATHS := bot/ adapters/

.PHONY: play leaderboard test lint bench soak clean

# Each step says what it does: the first install is a quiet minute otherwise.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "quizbot needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
			"Install a newer one and run: make PYTHON=python3.11 play"; exit 1; }
	@echo "Creating a virtual environment in $(VENV) (first run only)..."
	@$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	@echo "Installing quizbot and its libraries into $(VENV) (about a minute the first time)..."
	@$(PIP) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	@echo "Installing the test tools (pytest, ruff, mypy) into $(VENV)..."
	@$(PIP) -e '.[dev]'
	@touch $@

# Ctrl-C ends a game with its score and exit code 130: the normal way to stop, not an error.
play: $(VENV)/.installed
	@trap : INT; $(BIN)/quizbot play $(ARGS) || [ $$? -eq 130 ]

# The standings of every game in the database, for those without quizbot on their PATH.
leaderboard: $(VENV)/.installed
	@$(BIN)/quizbot leaderboard $(ARGS)

# Soak-marked tests (tests/reliability) are left to `make soak`; QUIZBOT_SOAK=1 scales the
# counts of the CI-sized reliability tests, and the scores property test, up to their soak size.
# The PostgreSQL half of the store tests starts its own server: .ci/postgres-server installs
# Debian's package when the binaries are missing (as root), or says what to install.
test: $(VENV)/.installed-dev
	@bash .ci/postgres-server
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PATHS)
	$(BIN)/python -m pytest -q -m "not soak" $(ARGS)

soak: $(VENV)/.installed-dev
	QUIZBOT_SOAK=1 $(BIN)/python -m pytest -q tests/reliability \
		tests/schedule/test_scores_property.py $(ARGS)

# Benchmarks are not tests: each figure against a baseline measured in the same run,
# medians of repeats; a table on stdout and .bench/results.json. BENCH_QUICK=1: small sizes.
bench: $(VENV)/.installed-dev
	@bash .ci/postgres-server
	$(BIN)/python -m tests.bench.run $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PATHS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis .bench
