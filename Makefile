# Quickstart: `make preflight` (offline preview of a stack with the policy pack) and `make test`.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
REQUIREMENTS := requirements.txt requirements-dev.txt policypacks/aml-security/requirements.txt
STAMP := $(VENV)/.requirements-installed
# The stack's policy pack configuration (the file CI passes to `pulumi preview --policy-pack-config`).
PACK_CONFIG = $(wildcard stacks/policy-config.$(STACK).json)

.PHONY: preflight test lint typecheck unit bench clean

# (Re)install whenever the virtualenv is missing or a requirements file changed.
$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

preflight: $(STAMP)
	$(BIN)/python -m preflight --stack $(STACK) $(if $(PACK_CONFIG),--policy-pack-config $(PACK_CONFIG))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --config-file pyproject.toml policypacks/aml-security
	MYPYPATH=.:provider $(BIN)/mypy --config-file pyproject.toml provider

unit: $(STAMP)
	$(BIN)/pytest -n 2

test: lint typecheck unit

# Performance figures and targets (docs/benchmarks.md); about 3 minutes on 2 cores.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
