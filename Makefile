# The two commands of the README: `make run` (the service on embedded servers) and `make test`.
# Both create .venv and install the pinned dependencies on first use; only Python >= 3.11,
# git and a C compiler are needed on the machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-night lint typecheck unit integration bench bench-smoke bench-migrate bench-scan bench-engagement chaos lock clean chromium

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# `make run RUN_ARGS=--awake`: the demo persona answers at any hour.
run: $(STAMP)
	$(BIN)/randomatch-bot run $(RUN_ARGS)

test: $(STAMP) chromium lint typecheck
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-night

# The tests that run the pipeline on the wall clock, again with the active hours judged at
# 03:00 in Paris (HOURS_CLOCK_OFFSET, see tests/support/night.py): a test that only passes
# while the persona is awake fails here at any hour, not only in a nightly run.
NIGHT_TESTS := tests/integration/test_icebreaker.py tests/integration/test_pipeline.py \
	tests/integration/test_api_chat.py tests/integration/test_presence.py \
	tests/integration/test_personas.py::test_two_bots_answer_in_their_own_characters \
	tests/e2e/test_terminal.py

test-night: $(STAMP)
	RANDOMATCH_TEST_NIGHT=1 $(BIN)/pytest -q $(NIGHT_TESTS)

# The browser tests drive Debian's Chromium (never a browser build downloaded by Playwright).
# Installed here when missing and apt-get exists; elsewhere those tests skip and say why.
chromium:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "installing Debian's chromium for the browser tests"; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq chromium >/dev/null \
			|| echo "warning: chromium could not be installed; browser tests will be skipped"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP) chromium
	$(BIN)/pytest tests/integration tests/e2e

# Figures of the whole stack beside their floors (bridge, workers and a scripted model as
# separate processes), then the in-process pipeline figures. Bounded: a few minutes.
bench: $(STAMP)
	$(BIN)/python -m bench.figures
	$(BIN)/python -m bench.pipeline

# The first `migrate` on one million messages while the app writes (docs/BENCHMARKS.md).
bench-migrate: $(STAMP)
	$(BIN)/python -m bench.live_migration

# The catch-up scan and the typing sweeper on 100,000 matches and 10 million messages.
bench-scan: $(STAMP)
	$(BIN)/python -m bench.scan_scale
# The engagement figures (GET /engagement) on the same 100,000 matches and 10 million messages.
bench-engagement: $(STAMP)
	$(BIN)/python -m bench.engagement_scale
# Ten minutes of kills, Redis and PostgreSQL restarts and model faults, then an invariant check
# (CI runs a bounded version: tests/e2e/test_chaos.py).
chaos: $(STAMP)
	$(BIN)/python -m tests.chaos --duration 600 --conversations 60
# The same benchmarks with small numbers: that they run (CI runs it through the test suite).
bench-smoke: $(STAMP)
	$(BIN)/python -m bench.figures --smoke
	$(BIN)/python -m bench.pipeline --latency-samples 5 --replies 5 --waiting 10

# Re-pin every dependency to what is installed now (after `pip install -U ...`).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^randomatch-bot' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
