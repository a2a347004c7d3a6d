# Pulse: `make run` builds everything and starts the daemon; `make test` runs every suite.
# Missing Debian packages are installed by scripts/bootstrap.sh (as root).
BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc)
PORT      ?= 8080
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

FIRSTPAINT_RUNS ?= 10

.PHONY: firstpaint check-layers bench bench-smoke all deps build web run test test-unit test-integration test-web test-e2e asan test-asan format format-check clean install generated deb test-packaging soak

# `make install`: PREFIX is where pulse will live, DESTDIR a staging root prepended to it.
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/pulse
MANDIR     ?= $(PREFIX)/share/man/man1
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
STATEDIR   ?= /var/lib/pulse

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
		PULSE_BIN=$(CURDIR)/$(BUILD)/pulse PULSE_STATIC=$(CURDIR)/$(BUILD)/web node web/e2e/fleet.mjs && \
		PULSE_BIN=$(CURDIR)/$(BUILD)/pulse PULSE_STATIC=$(CURDIR)/$(BUILD)/web node web/e2e/tls.mjs; fi

# First metric painted, cold and reload, median and p90 (docs/DASHBOARD.md, "Measured figures").
firstpaint: build web
	@sh scripts/bootstrap.sh --browser && \
		PULSE_BIN=$(CURDIR)/$(BUILD)/pulse PULSE_STATIC=$(CURDIR)/$(BUILD)/web node web/e2e/firstpaint.mjs $(FIRSTPAINT_RUNS)

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

# The man page and the sample configuration, generated from the option table by the binary.
# `env -i` keeps this shell's PULSE_* variables out of the sample.
generated: build
	@env -i ./$(BUILD)/pulse --help-man > $(BUILD)/pulse.1
	@env -i ./$(BUILD)/pulse --db $(STATEDIR)/pulse.db --print-config > $(BUILD)/pulse.conf

# The binary, the dashboard where the installed binary finds it (BINDIR/../share/pulse/web),
# pulse(1), a sample /etc/pulse/pulse.conf (kept if one exists) and the systemd unit.
install: build web generated
	install -D -m 0755 $(BUILD)/pulse $(DESTDIR)$(BINDIR)/pulse
	rm -rf $(DESTDIR)$(DATADIR)/web
	mkdir -p $(DESTDIR)$(DATADIR)
	cp -R $(BUILD)/web $(DESTDIR)$(DATADIR)/web
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/web
	install -D -m 0644 $(BUILD)/pulse.1 $(DESTDIR)$(MANDIR)/pulse.1
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/pulse/pulse.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/pulse/pulse.conf"; else \
		install -D -m 0644 $(BUILD)/pulse.conf $(DESTDIR)$(SYSCONFDIR)/pulse/pulse.conf; fi
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/bin/pulse|$(BINDIR)/pulse|' -e 's|/etc/pulse/|$(SYSCONFDIR)/pulse/|' \
		deploy/pulse.service > $(DESTDIR)$(UNITDIR)/pulse.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pulse.service

# The Debian package build/deb/pulse_VERSION_amd64.deb (debhelper; see debian/rules).
deb:
	@sh scripts/bootstrap.sh --packaging
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb
	dpkg-checkbuilddeps
	DEB_OUT=$(CURDIR)/$(BUILD)/deb fakeroot debian/rules clean binary
	lintian --fail-on error $(BUILD)/deb/pulse_*_amd64.deb

# Packaging checks: unit hardening, install layout, the .deb, Docker and compose files.
test-packaging: deb
	sh tests/packaging/run.sh

# A long mixed-traffic run against a release build (not part of `make test`; see docs/BENCHMARKS.md).
SOAK_MINUTES ?= 60
soak: tests/integration/node_modules
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DPULSE_TESTS=OFF >/dev/null
	cmake --build build-release -j $(JOBS)
	node bench/soak/soak.mjs --bin build-release/pulse --minutes $(SOAK_MINUTES) --out soak.log
