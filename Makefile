# The two commands: `make demo` and `make test`. Every target installs what it needs first
# (scripts/install-deps.sh, apt-get on Debian 12).
SHELL := /bin/bash
BINARIES := ingest-service match-service referral-service gateway partner-sim lifeline lifeline-datagen

.PHONY: deps build test asan demo bench check clean

deps:
	@bash scripts/install-deps.sh

# Release binaries under build/release/bin/.
build: deps
	cmake --preset release
	cmake --build --preset release --target $(BINARIES)

# Layering and format checks, debug build with warnings as errors, and every test (unit, grpc, e2e).
test: deps
	bash scripts/check-layering.sh
	bash scripts/check-format.sh
	cmake --preset dev
	cmake --build --preset dev
	ctest --preset dev

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan

# Builds the release binaries, starts the suite on loopback with SQLite under ./var, loads the
# demo data set and prints what it found. Ctrl-C stops everything.
demo: build
	bash scripts/run-local.sh

bench: deps
	cmake --preset release
	cmake --build --preset release --target lifeline-bench lifeline-datagen-bench
	./build/release/bin/lifeline-bench
	./build/release/bin/lifeline-datagen-bench --persons 1000000

clean:
	rm -rf build
