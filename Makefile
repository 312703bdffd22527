# Casey progress reporting. `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help env lock build reports quarter benchmark test test-fast lint fix clean-reports lab release

help: ## Show this list of targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

# the exact versions in requirements.lock, then the package itself without touching them
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name casey-progress --display-name "Python (casey-progress)" >/dev/null
	@touch $(STAMP)

env: $(STAMP) ## Create the virtual environment (.venv) from requirements.lock, if missing

lock: ## Re-pin requirements.lock to the newest releases pyproject.toml allows (then re-render and compare)
	uv pip compile pyproject.toml --extra dev --python-version 3.11.7 --python-platform x86_64-manylinux_2_28 \
		--annotation-style line -o requirements.lock

build: env ## Validate data/raw and build data/processed
	$(BIN)/casey build

reports: env ## The main job: build data/processed, then render all 43 forces + the national overview for every quarter with tracker data
	$(BIN)/casey batch --build --report-sets data/raw/report-sets.yaml

quarter: env ## The scheduled job: build, then render the latest complete quarter (QUARTER=2024-25-Q1 to choose)
	$(BIN)/casey batch --build --quarter $(or $(QUARTER),latest)

benchmark: env ## Time casey batch against the naive papermill + nbconvert loop (FORCES=43)
	$(BIN)/python benchmarks/batch_vs_naive.py --forces $(or $(FORCES),43)

test: env ## Run the whole test suite (real papermill and nbconvert runs included)
	$(BIN)/python -m pytest

test-fast: env ## Unit tests only (skip tests that execute notebooks)
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: env ## ruff: lint and check formatting (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fix: env ## ruff: apply safe lint fixes and format the tree
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

LAB_ARGS ?=
lab: build ## JupyterLab on notebooks/ with the project's kernel, autosave off (headless: LAB_ARGS="--no-browser --ip=0.0.0.0")
# lab/settings/overrides.json turns autosave off, so a tracked notebook changes only when the analyst saves it;
# the kernel's sockets are CurveZMQ-encrypted (no "running over TCP without encryption" warning)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --MappingKernelManager.default_kernel_name=casey-progress --LabApp.app_settings_dir=lab/settings --KernelManager.transport_encryption=auto $(LAB_ARGS)

release: ## Tag release VERSION=X.Y.Z (clean tree, a CHANGELOG.md section for it); then `git push origin vX.Y.Z`
	@test -n "$(VERSION)" || { echo "release: say which, e.g. make release VERSION=0.2.0"; exit 2; }
	@git diff --quiet HEAD || { echo "release: commit or stash your changes first"; exit 1; }
	@grep -q '^## \[$(VERSION)\]' CHANGELOG.md || { echo "release: CHANGELOG.md has no '## [$(VERSION)]' section"; exit 1; }
	git tag -a v$(VERSION) -m "casey-progress $(VERSION)"
	@$(BIN)/python -c "import analysis; print('reports now record version', analysis.__version__)"

clean-reports: ## Delete rendered reports (keeps reports/README.md)
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
