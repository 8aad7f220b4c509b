# Front door of the project. `make build` sets everything up and builds the bundled sample;
# `make test` runs the whole suite (lint, Python unit tests, dbt builds checked against pandas and
# scikit-learn).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export DBT_SEND_ANONYMOUS_USAGE_STATS := 0
# DuckDB worker threads (profiles.yml): all cores unless set.
export SEGMENTATION_THREADS ?= $(shell nproc 2>/dev/null || echo 4)
# `make bench ROWS=10000000 FORMAT=parquet BASELINE=no`: see benchmarks/run_bench.py.
# DATA=cc: CC GENERAL (CC_GENERAL) resampled to ROWS rows instead of generated customers;
# RUNS=12: twelve monthly builds into one warehouse, each timed.
ROWS ?= 1000000
FORMAT ?= csv
BASELINE ?= auto
DATA ?= generated
RUNS ?= 1
# VARS='{"lifecycle": {"refit": "auto"}}': extra dbt vars of every benchmarked build (JSON).
VARS ?= {}
CC_GENERAL ?= ../shared/data/cc_general.csv
# pytest workers for `make test` (xdist; each module stays on one worker, so its fixtures build once)
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: build install test lint format docs sample bench clean report report-screenshot metrics \
	install-spark build-spark test-spark bench-spark
SPARK_INSTALLED := $(VENV)/.spark-installed

build: $(INSTALLED)  ## venv + pinned install + `dbt build` on the bundled sample
	$(BIN)/dbt build

install: $(INSTALLED)

$(INSTALLED): requirements.txt constraints.txt python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e python
	touch $@

# `make lint` runs inside the suite (tests/integration/test_lint.py), scheduled beside the builds.
test: $(INSTALLED)  ## everything CI runs (but the Spark comparison: `make test-spark`)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# Spark (docs/spark.md): pinned dbt-spark[session] + pyspark on top of
# the DuckDB install; needs Java 17+. `make build` stays DuckDB-only.
install-spark: $(SPARK_INSTALLED)

$(SPARK_INSTALLED): $(INSTALLED) requirements-spark.txt
	@command -v java > /dev/null || { echo "Spark needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-spark.txt -c constraints.txt
	touch $@

build-spark: $(SPARK_INSTALLED)  ## install the Spark extra and build the bundled sample on in-process Spark
	$(BIN)/segmentation-spark-dbt build --target spark_local

test-spark: $(SPARK_INSTALLED)  ## the sample on DuckDB and on Spark, compared mart by mart
	$(BIN)/python -m pytest -m spark tests/integration/test_spark.py

bench-spark: $(SPARK_INSTALLED)  ## DuckDB vs Spark local on ROWS generated customers
	$(BIN)/python benchmarks/run_spark_bench.py --rows $(ROWS) --format $(FORMAT)

lint: $(INSTALLED)
	$(BIN)/ruff check python models tests benchmarks
	$(BIN)/ruff format --check python models tests benchmarks
	cd python && ../$(BIN)/mypy
	$(BIN)/python -m customer_segmentation.settings --check
	$(BIN)/sqlfluff lint models tests/dbt
	$(BIN)/sqlfluff lint --config tests/sqlfluff_ledger.cfg \
		models/staging/ledger models/intermediate/ledger models/marts/ledger

format: $(INSTALLED)
	$(BIN)/ruff format python models tests benchmarks
	$(BIN)/ruff check --fix python models tests benchmarks

docs: $(INSTALLED)  ## dbt docs (catalog of every model and column) into target/
	$(BIN)/dbt docs generate

report: $(INSTALLED)  ## self-contained HTML segment report from the marts of the last build
	$(BIN)/segment-report --database $${SEGMENTATION_DB:-segmentation.duckdb} \
		--out reports/segment_report.html

report-screenshot: report  ## refresh docs/segment_report.png (headless Chromium)
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2000 \
		--virtual-time-budget=10000 --screenshot=docs/segment_report.png \
		file://$(CURDIR)/reports/segment_report.html

metrics: $(INSTALLED)  ## by-segment metrics from the MetricFlow semantic layer
	$(BIN)/dbt parse --quiet
	$(BIN)/mf query --metrics customers,share_of_customers,average_balance,average_purchases,cash_advance_share \
		--group-by segment__segment_name --order -customers

sample: $(INSTALLED)  ## regenerate the bundled synthetic sample
	$(BIN)/generate-customers --rows 5000 --seed 42 --out seeds/sample_customers.csv
	$(BIN)/generate-ledger --customers 1000 --seed 42 --out-dir /tmp/segmentation-ledger-sample
	cp /tmp/segmentation-ledger-sample/accounts.csv seeds/sample_ledger_accounts.csv
	cp /tmp/segmentation-ledger-sample/transactions.csv seeds/sample_ledger_transactions.csv

bench: $(INSTALLED)  ## notebook baseline vs `dbt build` on ROWS customers (DATA=generated|cc, RUNS=1|12)
	$(BIN)/python benchmarks/run_bench.py --rows $(ROWS) --format $(FORMAT) --baseline $(BASELINE) \
		--data $(DATA) --runs $(RUNS) --cc-general $(CC_GENERAL) --vars '$(VARS)'

clean:
	rm -rf target logs segmentation.duckdb segmentation.duckdb.wal .pytest_cache exports segmentation_exports reports
