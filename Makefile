# Quickstart: `make preflight` (offline preview of a stack with the policy pack) and `make test`.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
REQUIREMENTS := requirements.txt requirements-dev.txt policypacks/aml-security/requirements.txt \
	policypacks/azure-deployability/requirements.txt
STAMP := $(VENV)/.requirements-installed
# Both policy packs, each with the stack's config for it (the files CI passes to `pulumi preview`):
# stacks/policy-config.<stack>.json (aml-security) and stacks/deployability-config.<stack>.json.
# Each --policy-pack-config pairs with the --policy-pack at its position, so packs with a config come first.
SECURITY_PACK := policypacks/aml-security
DEPLOYABILITY_PACK := policypacks/azure-deployability
SECURITY_CONFIG = $(wildcard stacks/policy-config.$(STACK).json)
DEPLOYABILITY_CONFIG = $(wildcard stacks/deployability-config.$(STACK).json)
PACK_ARGS = $(if $(SECURITY_CONFIG),--policy-pack $(SECURITY_PACK) --policy-pack-config $(SECURITY_CONFIG)) \
	$(if $(DEPLOYABILITY_CONFIG),--policy-pack $(DEPLOYABILITY_PACK) --policy-pack-config $(DEPLOYABILITY_CONFIG)) \
	$(if $(SECURITY_CONFIG),,--policy-pack $(SECURITY_PACK)) \
	$(if $(DEPLOYABILITY_CONFIG),,--policy-pack $(DEPLOYABILITY_PACK))

.PHONY: preflight test lint typecheck unit bench fidelity dist clean

# (Re)install whenever the virtualenv is missing or a requirements file changed.
$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

preflight: $(STAMP)
	$(BIN)/python -m preflight --stack $(STACK) $(strip $(PACK_ARGS))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --config-file pyproject.toml policypacks/aml-security
	$(BIN)/mypy --config-file pyproject.toml policypacks/azure-deployability
	MYPYPATH=.:provider $(BIN)/mypy --config-file pyproject.toml provider

unit: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup  # a group runs on one worker (tests/packaging: one wheel build)

test: lint typecheck unit

# Performance figures and targets (docs/benchmarks.md, which says how long it takes); shorter runs:
# make bench BENCH_ARGS=--quick, or BENCH_ARGS="--sizes 1,10 --repeats 3".
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -u -m bench.run $(BENCH_ARGS)

# Public third-party Pulumi programs, unmodified, through the preflight (tests/fidelity/check_programs.py).
# FIDELITY_SOURCE: a clone of pulumi/examples (`git clone https://github.com/pulumi/examples`).
# FIDELITY_SOURCES: clones of the other repositories, space-separated OWNER/NAME=CLONE pairs
# (tests/fidelity/programs.py names them: alan-turing-institute/fridge).
# The first run installs each program's environment (minutes, GBs) into ~/.cache/aml-secure-baseline/envs.
fidelity: $(STAMP)
	FIDELITY_SOURCE="$(FIDELITY_SOURCE)" FIDELITY_SOURCES="$(FIDELITY_SOURCES)" \
		$(BIN)/pytest -p no:xdist -v tests/fidelity/check_programs.py

# The wheel teams install: dist/aml_secure_baseline-<version>-py3-none-any.whl (pip fetches setuptools to build it).
dist: $(STAMP)
	rm -rf dist build
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) dist build *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
