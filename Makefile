# Quick start targets; each one installs what is missing first (scripts/setup.sh).
PY := .venv/bin/python

.PHONY: setup demo test lint packaging bench
setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) -m pki.testing.demo

lint: setup
	$(PY) -m ruff check base/common/python bench
	$(PY) -m mypy

test: setup lint
	$(PY) -m pytest -p no:cacheprovider

# the wheel in a fresh venv, the RPM spec with rpmspec and rpmlint (CI runs it before test)
packaging: setup
	bash scripts/check-packaging.sh

bench: setup
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) bench/run.py --quick
