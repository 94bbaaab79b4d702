# narrascope: two commands on a fresh machine.
#   make demo   venv + pinned dependencies + analyse the bundled demo corpus + HTML report
#   make test   same set-up, then lint and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB := out/demo.db

.PHONY: demo test lint format bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/narrascope analyze src/narrascope/demo/corpus --db $(DEMO_DB) --outlets src/narrascope/demo/outlets.csv
	$(BIN)/narrascope report --db $(DEMO_DB) --out out/report.html --title "narrascope demo corpus"
	@echo "Open out/report.html in a browser; the results are in $(DEMO_DB)."
	@echo "Dashboard and JSON API: $(BIN)/narrascope serve --db $(DEMO_DB), then open http://127.0.0.1:8000/ (set NARRASCOPE_TOKEN to allow submitting articles)."

test: $(STAMP)
	$(BIN)/ruff check src tests training bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests training bench
	$(BIN)/ruff format --check src tests training bench

format: $(STAMP)
	$(BIN)/ruff format src tests training bench

bench: $(STAMP)
	$(BIN)/python bench/throughput.py

# Regenerate the hashed lock from requirements.txt + requirements-dev.txt (needs the package index).
lock:
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--output-file requirements.lock requirements.txt requirements-dev.txt

clean:
	rm -rf out .pytest_cache .ruff_cache
