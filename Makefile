# One task runner: CI calls these targets as they are.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres lint bench model evaluate sandbox console screenshots compiled clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## Run the bot's main job once (sandbox + SQLite unless .env says otherwise) and print a summary.
run: $(STAMP)
	$(BIN)/lapor-bot run --once

## Run the test suite.
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Run the tests that use the database again on a throwaway PostgreSQL server (installs Debian's postgresql).
test-postgres: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	@url=$$(scripts/postgres_for_tests.sh start) && \
	LAPOR_TEST_POSTGRES_URL=$$url $(BIN)/python -m pytest -q; status=$$?; \
	scripts/postgres_for_tests.sh stop; exit $$status

## Lint everything and type-check the pure core.
lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/ruff check bot ingest replies tests benchmarks
	$(BIN)/mypy ingest/mention.py ingest/normalise.py ingest/link.py ingest/triage.py ingest/classify.py \
		ingest/language.py ingest/personal_data.py ingest/tracking.py ingest/backoff.py ingest/flags.py \
		ingest/region.py ingest/region_names.py ingest/region_words.py ingest/gazetteer.py ingest/routing.py \
		ingest/model.py ingest/decide.py ingest/lifecycle.py ingest/dedupe.py ingest/match_text.py \
		replies/compose.py replies/policy.py replies/optout.py replies/followup.py replies/templates.py \
		ingest/workdays.py ingest/sla.py replies/forward/message.py replies/forward/signing.py \
		replies/forward/types.py ingest/walk.py ingest/compiled_core.py

## Print the benchmarks' figures (they read ../shared/data).
bench: $(STAMP)
	$(BIN)/python benchmarks/triage_speed.py
	$(BIN)/python benchmarks/triage_instructions.py
	$(BIN)/python benchmarks/evaluate_rules.py
	$(BIN)/python benchmarks/evaluate_written.py
	$(BIN)/python benchmarks/evaluate_region.py
	$(BIN)/python benchmarks/evaluate_personal_data.py
	$(BIN)/python benchmarks/dedupe_pairs.py
	$(BIN)/python benchmarks/dedupe_scale.py
	$(BIN)/python benchmarks/console_queue.py
	$(BIN)/python benchmarks/latency.py
	$(BIN)/python benchmarks/pipeline_throughput.py
	$(BIN)/python benchmarks/memory_million.py

## Rebuild the classifier in ingest/rules/model/ from ../shared/data (byte-reproducible).
model: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python scripts/train_model.py

## Cross-validate the rules, the model and both on ../shared/data; print every figure.
evaluate: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python scripts/evaluate.py

## Serve the X API sandbox on http://127.0.0.1:8708 until Ctrl-C.
sandbox: $(STAMP)
	$(BIN)/lapor-bot sandbox

## Make demo data and accounts in demo/ and serve the console on http://127.0.0.1:8080 until Ctrl-C.
console: $(STAMP)
	@mkdir -p demo
	cd demo && LAPOR_DATABASE_URL=sqlite:///lapor.db ../$(BIN)/lapor-bot demo
	@echo "console: http://127.0.0.1:8080/ (sign in with a demo account above; Ctrl-C stops it)"
	cd demo && LAPOR_DATABASE_URL=sqlite:///lapor.db LAPOR_WEB_SECURE_COOKIES=false \
		../$(BIN)/lapor-bot web --host 127.0.0.1 --port 8080

## Take the console's screenshots into docs/screenshots/ (demo data, headless /usr/bin/chromium).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

## Compile the triage's modules with mypyc (optional, about 1.2x faster; needs a C compiler).
compiled: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[compiled]'
	$(BIN)/python scripts/compile_core.py

clean:
	rm -rf $(VENV) lapor.db lapor.db-wal lapor.db-shm lapor-sandbox.json ingest/*.so
