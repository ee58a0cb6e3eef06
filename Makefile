# ShopCX — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHOPCX := $(VENV)/bin/shopcx
VENDOR := src/shopcx/web/static/vendor
DEMO_DIR ?= var/demo
DEMO_PORT ?= 8000

.PHONY: install assets browser demo test test-sqlite test-postgresql bench lint clean

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Front-end libraries come from the npm registry at build time and are never committed.
assets: $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js $(VENDOR)/swagger-ui-bundle.js $(VENDOR)/swagger-ui.css

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js

# The API documentation (/docs) serves Swagger UI from here, so it works without internet.
$(VENDOR)/swagger-ui-bundle.js $(VENDOR)/swagger-ui.css: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js $(VENDOR)/swagger-ui-bundle.js
	cp node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui.css

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

demo: install
	SHOPCX_DATA_DIR=$(DEMO_DIR) SHOPCX_PORT=$(DEMO_PORT) $(SHOPCX) demo --seed 7 --customers 3000 --skip-existing
	SHOPCX_DATA_DIR=$(DEMO_DIR) SHOPCX_PORT=$(DEMO_PORT) $(SHOPCX) serve

# The two backends run side by side (one per core); each prints its report when it ends. Tests that need one
# backend are shared out (SHOPCX_TEST_SPLIT: browser tests on SQLite, database-free tests on PostgreSQL).
test: install browser
	SHOPCX_TEST_SPLIT=1 $(MAKE) -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite:
	SHOPCX_TEST_DB=sqlite $(PY) -m pytest

test-postgresql:
	SHOPCX_TEST_DB=postgresql $(PY) -m pytest

bench: install
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/import_bench.py
	$(PY) bench/clv_bench.py
	$(PY) bench/ledger_bench.py
	$(PY) bench/reviews_bench.py
	$(PY) bench/text_bench.py

lint: install
	$(VENV)/bin/ruff check src tests bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var .pytest_cache
