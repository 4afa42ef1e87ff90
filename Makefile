# The two commands a fresh clone needs are `make demo` (the main job) and `make test` (the test suite).
# Every target installs what it needs first, idempotently: a stamp file records each finished install.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup demo synth test lint localstack-stop clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11+ or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	@echo "==> creating $(VENV) and installing oratio with its test tools"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@set -o pipefail; $(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 \
		| { grep -v '^WARNING: Location' || true; }
	@$(PY) -c 'import oratio, aws_cdk, attrs, boto3' || { echo "error: the Python install failed (see above)"; exit 1; }
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found: install Node.js 20+ (e.g. apt-get install nodejs npm)"; exit 1; }
	@echo "==> installing the pinned CDK CLI (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed node_modules/.installed

# The main job: the Oratio platform on the embedded LocalStack creates an agent end to end.
demo: setup
	$(PY) app.py demo

synth: setup
	$(PY) app.py --backend cdk

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

localstack-stop: setup
	$(PY) app.py localstack stop

clean:
	rm -rf cdk.out .pytest_cache .hypothesis
