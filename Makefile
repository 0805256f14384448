# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
NPM    ?= npm
# npm ci runs again only when the lockfile changes
JS_INSTALLED := js/node_modules/.installed

.PHONY: demo hub test js lint bench bench-hub clean

$(VENV)/.demo-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[demo]'
	touch $@

$(VENV)/.hub-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[hub]'
	touch $@ $(VENV)/.demo-installed

$(VENV)/.test-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[test]'
	touch $@ $(VENV)/.demo-installed

$(JS_INSTALLED): js/package.json js/package-lock.json
	@command -v $(NPM) >/dev/null 2>&1 || { echo "make: npm not found: the panels' JavaScript is built with Node.js (>= 18) and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd js && $(NPM) ci --no-audit --no-fund
	touch $@

# js/*.js (each panel's view, importing js/lib) bundled by esbuild into labpanels/static
js: $(JS_INSTALLED)
	$(NPM) --prefix js run build

demo: $(VENV)/.demo-installed js
	$(VENV)/bin/labpanels demo

# a class on this machine: LEARNERS=40 make hub (the hub's URL and password are printed)
LEARNERS ?= 10
hub: $(VENV)/.hub-installed js
	$(VENV)/bin/labpanels hub --learners $(LEARNERS)

# the suite's tests mostly wait (servers, nodes, kernels, a browser): workers overlap the
# waits; a module's tests stay on one worker, so its module fixtures are made once
TEST_WORKERS ?= 3
test: $(VENV)/.test-installed js
	$(VENV)/bin/ruff check labpanels tests benchmarks notebooks hatch_build.py
	$(NPM) --prefix js test
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check labpanels tests benchmarks notebooks hatch_build.py

bench: $(VENV)/.test-installed js
	$(PY) -m benchmarks

# a class of BENCH_LEARNERS (default 40) on this machine, measured: spawn, memory, requests
bench-hub: $(VENV)/.hub-installed $(VENV)/.test-installed js
	$(PY) -m benchmarks.hub --learners $(or $(BENCH_LEARNERS),40)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache js/node_modules labpanels/static
