# geneb: `make demo` runs the built-in benchmark, `make test` runs the test suite.
# Both create .venv and install geneb (CPU torch) on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.geneb-installed
OUT    ?= runs/demo

.PHONY: demo test bench bench-store install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=70" wheel
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/geneb run --out $(OUT)

test: $(STAMP)
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

bench-store: $(STAMP)
	$(PY) bench/bench_store.py
	$(PY) bench/bench_store_remote.py
	$(PY) bench/bench_store_precision.py

clean:
	rm -rf $(VENV) runs build *.egg-info
