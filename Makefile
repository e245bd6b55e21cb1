# Two entry points: `make run` (install + the studio on http://localhost:8501) and `make test` (install + full suite).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test install system-deps bench lint clean

run: install
	$(BIN)/bandmate ui --port 8501

demo: install
	$(BIN)/bandmate demo --out demo_out

test: install
	$(BIN)/python -m pytest -q

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml scripts/install.sh
	bash scripts/install.sh $(PY) $(VENV)
	touch $(STAMP)

system-deps:
	bash scripts/install.sh --system-only

bench: install
	$(BIN)/bandmate bench

lint: install
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) demo_out
