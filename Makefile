# Two commands on a fresh Debian machine (as root): `make run` and `make test`.
# Each installs only what is missing, so running it again is quick.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get
STAMP := $(VENV)/.installed

RUN_PACKAGES := prometheus prometheus-node-exporter prometheus-alertmanager chromium chromium-driver \
	redis-server
TEST_PACKAGES := $(RUN_PACKAGES) postgresql

.PHONY: run test lint bench bench-dashboard bench-exports system-run system-test clean

run: system-run $(STAMP)
	$(PY) -m demo.run

test: system-test $(STAMP)
	$(PY) -m pytest
	@rm -rf /tmp/org.chromium.Chromium.scoped_dir.* 2>/dev/null || true

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: system-test $(STAMP)
	$(PY) -m bench.data_layer
	$(PY) -m bench.scopes
	$(PY) -m bench.analytics

# Needs `make run` in another terminal: it measures the app as deployed.
bench-dashboard: $(STAMP)
	$(PY) -m bench.dashboard_load
	DEMO_MODE=1 $(PY) -m bench.page_layout

# Builds its own Prometheus history and warehouse (once, under var/bench-exports/).
bench-exports: system-run $(STAMP)
	$(PY) -m bench.exports

# Debian packages: installed only when a binary is missing (apt-get update once, then install).
system-run:
	@./.ci/need-packages $(RUN_PACKAGES)

system-test:
	@./.ci/need-packages $(TEST_PACKAGES)

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || ./.ci/need-packages python3-venv
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf var $(VENV) *.egg-info
