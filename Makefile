# Entry points: `make demo` and `make test` (README Quick start). Both are idempotent on a
# fresh Debian 12 machine: they install what is missing, configure once and build.
BUILD_DIR ?= build
JOBS ?= 2
ETLC := $(BUILD_DIR)/etlc
DEMO := examples/orders.etl
DEMO_DIR := $(BUILD_DIR)/demo
DEMO_ROWS ?= 200000

.PHONY: all deps configure build test demo golden-update docs fmt-check conformance clean

all: build

deps:
	bash scripts/install-deps.sh

configure:
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo; \
	fi

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

demo: deps build
	@echo "== etlc check $(DEMO)"
	$(ETLC) check $(DEMO)
	@echo "== etlc graph --format mermaid $(DEMO)"
	$(ETLC) graph --format mermaid $(DEMO)
	@echo "== etlc test $(DEMO)"
	$(ETLC) test $(DEMO)
	@echo "== generated input: $(DEMO_DIR)/examples/data/orders.csv"
	@mkdir -p $(DEMO_DIR)/examples/data
	python3 scripts/gen_demo_orders.py $(DEMO_DIR)/examples/data/orders.csv $(DEMO_ROWS)
	@echo "== etlc run --jit $(DEMO)  (in $(DEMO_DIR); expressions compiled by LLVM)"
	cd $(DEMO_DIR) && $(abspath $(ETLC)) run --jit $(abspath $(DEMO))
	@for f in big.jsonl small.csv daily.csv rejects.jsonl; do \
	  echo "== $(DEMO_DIR)/out/$$f: $$(wc -l < $(DEMO_DIR)/out/$$f) lines, the first 4:"; \
	  head -n 4 $(DEMO_DIR)/out/$$f; \
	done

# Rewrites every tests/golden/**/*.err from the current etlc output (review the diff).
golden-update: build
	bash tests/golden/run_golden.sh --etlc $(ETLC) --update
	python3 tests/lsp/lsp_transcript.py --etlc $(ETLC) --update

docs: build
	$(ETLC) docs --out docs/reference

fmt-check: build
	$(ETLC) fmt --check $$(find examples -name '*.etl' | sort)

# The readers against third-party corpora in ../shared/corpora (CORPORA=... to point elsewhere).
CORPORA ?= ../shared/corpora
conformance: build
	@set -e; for runner in $(BUILD_DIR)/tests/conformance/*_conformance; do \
	  echo "== $$runner"; $$runner --corpora $(CORPORA); done

clean:
	rm -rf $(BUILD_DIR)
