# The two commands: `make dev` (local stack) and `make test` (all tests). Both create
# the virtual environment on first use.
SHELL := /bin/bash
# No telemetry: development machines and CI have no network but the package registries.
export SAM_CLI_TELEMETRY := 0
.DEFAULT_GOAL := help

# Lambda runs python3.13; use one when the machine has it (PATH or pyenv), else python3.
# (A pyenv shim may be on PATH without working, so each candidate must actually run.)
PYTHON313 := $(shell for p in $$(ls -d $(HOME)/.pyenv/versions/3.13.*/bin/python3.13 2>/dev/null | sort -rV) $$(command -v python3.13 2>/dev/null); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)
BASE_PYTHON ?= $(if $(PYTHON313),$(PYTHON313),python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help dev test test-unit test-integration reset build validate bench fuzz clean openapi openapi-check seed

help:
	@echo "make dev               serve the whole API on http://127.0.0.1:3000 (PORT=8000 for another port; no Docker, no AWS)"
	@echo "make test              run every test (unit, handlers on moto, local stack over HTTP)"
	@echo "make test-unit         only tests/unit"
	@echo "make test-integration  only tests/integration (starts the local stack)"
	@echo "make seed              demo data in the running local stack (ARGS=\"--days 30\")"
	@echo "make reset             forget the local stack's saved state"
	@echo "make openapi           write openapi.json from template.yaml and the handlers"
	@echo "make openapi-check     fail when openapi.json is stale"
	@echo "make validate          sam validate --lint"
	@echo "make build             sam build with python3.13, plus precompiled bytecode in the layer"
	@echo "make bench             run the benchmarks, write bench/REPORT.md (several minutes)"
	@echo "make fuzz              schemathesis against a fresh local stack, FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) per operation"
	@echo "make clean             remove .aws-sam and pytest's cache"
	@echo "Documentation: README.md, then docs/."

$(STAMP): requirements-dev.txt layers/common/requirements.txt layers/pdf/requirements.txt constraints.txt
	@test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP)

dev: $(STAMP)
	$(PY) -m local $(ARGS)

reset: $(STAMP)
	$(PY) -m local --reset-only

# Three workers on two cores: the integration tests spend part of their time waiting on their
# local stacks (queues draining, the simulator's USSD delay, the fuzzer's HTTP round trips), and
# a third worker fills those waits; worksteal keeps both cores busy to the end instead of one
# worker finishing its share early. Measured 2026-12-03: 12m16s with -n 2, 10m25s with this.
PYTEST_ARGS ?= -n 3 --dist worksteal --durations=15
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: $(STAMP)
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

# cfn-lint's informational checks too (I3011: say what happens to stateful resources on delete).
validate: $(STAMP)
	$(VENV)/bin/sam validate --lint
	$(VENV)/bin/cfn-lint template.yaml --include-checks I

# sam build finds python3.13 on PATH and has pip fetch the arm64 (manylinux aarch64) wheels of
# the layer's requirements, so it works on an x86_64 machine without Docker. Lambda cannot
# write .pyc (the code is read-only), so the layer and the function code get them here, for
# the runtime's Python; unchecked-hash: the code never changes under a deployed package.
build: $(STAMP)
	@test -n "$(PYTHON313)" || { echo "make build needs python3.13 (PATH or ~/.pyenv/versions/3.13.*): Lambda runs 3.13 and the layer's bytecode must match it"; exit 1; }
	PATH="$(dir $(PYTHON313)):$$PATH" $(VENV)/bin/sam build
	$(PYTHON313) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build
	@echo "layer: $$(find .aws-sam/build/CommonLayer -name '*.pyc' | wc -l) .pyc files for $$($(PYTHON313) -V), $$(du -sh .aws-sam/build/CommonLayer | cut -f1) unzipped (limit 250 MB with the functions)"
	@echo "pdf layer (the PDF-making functions only): $$(du -sh .aws-sam/build/PdfLayer | cut -f1) unzipped"
	@# fpdf2 and its fonts/images stack belong to PdfLayer alone (docs/deploy.md).
	@! find .aws-sam/build -path .aws-sam/build/PdfLayer -prune -o -type d \( -name fpdf -o -name fontTools -o -name PIL \) -print | grep . || { echo "fpdf2, fontTools or Pillow outside PdfLayer"; exit 1; }
	@! command -v file >/dev/null || echo "native libraries: $$(find .aws-sam/build/CommonLayer -name '*.so*' -type f -exec file -b {} + | grep -c aarch64) aarch64, $$(find .aws-sam/build/CommonLayer -name '*.so*' -type f -exec file -b {} + | grep -vc aarch64) other (Lambda is arm64)"

bench: $(STAMP)
	$(PY) -m bench

# The long contract fuzz: `make test` runs the same with 5 examples and a fixed seed.
# FUZZ_ARGS e.g. "--seed 123" to replay a run, or "--only admin".
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	$(PY) -m tests.fuzz --examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)

clean:
	rm -rf .aws-sam .pytest_cache

# openapi.json: one OpenAPI 3.1 document merged from every function's resolver (local/openapi.py).
openapi: $(STAMP)
	$(PY) -m local.openapi

openapi-check: $(STAMP)
	$(PY) -m local.openapi --check

# Demo data through the domain code into the running local stack (make dev first).
seed: $(STAMP)
	$(PY) -m local.seed --url http://127.0.0.1:$${PORT:-3000} $(ARGS)
