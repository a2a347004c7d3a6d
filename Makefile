# Pulse: `make run` builds everything and starts the daemon; `make test` runs every suite.
# Missing Debian packages are installed by scripts/bootstrap.sh (as root).
BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc)
PORT      ?= 8080
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: check-layers bench bench-smoke all deps build web run test test-unit test-integration test-web test-e2e asan test-asan format format-check clean

all: build web

deps:
	@sh scripts/bootstrap.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

web: deps
	@if [ -f web/package.json ]; then \
		cd web && ( [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund ) && \
		npm run --silent build -- --outDir $(CURDIR)/$(BUILD)/web --emptyOutDir; fi

run: build web
	./$(BUILD)/pulse --port $(PORT)

tests/integration/node_modules: tests/integration/package.json tests/integration/package-lock.json
	cd tests/integration && npm ci --no-audit --no-fund && touch node_modules

test: check-layers build web tests/integration/node_modules
	@$(MAKE) --no-print-directory test-unit test-integration test-web test-e2e

# Layers only include their own and lower ones (base < net < hub < metrics < app), no cycles;
# no function in src/ over 60 lines (exceptions listed in scripts/function-length-allow.txt).
check-layers:
	@python3 scripts/check-layers.py
	@sh scripts/check-layers-selftest.sh
	@python3 scripts/check-function-length.py

test-unit:
	cd $(BUILD) && ctest --output-on-failure

test-integration:
	cd tests/integration && PULSE_BIN=$(CURDIR)/$(BUILD)/pulse node --test --test-concurrency=1 *.test.mjs

test-web:
	@if [ -f web/package.json ]; then cd web && npm test --silent; fi

test-e2e:
	@if [ -f web/e2e/run.mjs ]; then sh scripts/bootstrap.sh --browser && \
		PULSE_BIN=$(CURDIR)/$(BUILD)/pulse PULSE_STATIC=$(CURDIR)/$(BUILD)/web node web/e2e/run.mjs && \
		PULSE_BIN=$(CURDIR)/$(BUILD)/pulse PULSE_STATIC=$(CURDIR)/$(BUILD)/web node web/e2e/fleet.mjs; fi

asan: deps
	@CC=clang cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DPULSE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

# The unit and integration suites again, against the sanitizer build.
test-asan: asan tests/integration/node_modules
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure
	cd tests/integration && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		PULSE_SANITIZER=1 PULSE_BIN=$(CURDIR)/$(ASAN)/pulse node --test --test-concurrency=1 *.test.mjs

C_FILES = src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c bench/*.c bench/peers/c-floor/*.c

# The load generator and the Node reference server (docs/BENCHMARKS.md has the comparisons).
bench: deps
	$(MAKE) -C bench pulse-bench floor node-ws

# A few seconds of every benchmark scenario, checking only that they run (no timing assertions).
bench-smoke: build
	$(MAKE) -C bench pulse-bench
	PULSE_BIN=$(CURDIR)/$(BUILD)/pulse bash bench/smoke.sh

format:
	clang-format -i $(C_FILES)

format-check:
	clang-format --dry-run --Werror $(C_FILES)

clean:
	rm -rf $(BUILD) $(ASAN)
