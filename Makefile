# The two commands: `make demo` and `make test`. Every target installs what it needs first
# (scripts/install-deps.sh, apt-get on Debian 12).
SHELL := /bin/bash
BINARIES := ingest-service match-service referral-service gateway partner-sim lifeline lifeline-datagen

.PHONY: deps build test asan demo bench fuzz check clean

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
	cmake --build --preset release --target lifeline-bench lifeline-datagen-bench lifeline-ingest-bench \
	  lifeline-match-bench lifeline-linkage-bench lifeline-referral-bench \
	  lifeline-webhook-delivery-bench referral-service partner-sim
	./build/release/bin/lifeline-bench
	./build/release/bin/lifeline-datagen-bench --persons 1000000
	./build/release/bin/lifeline-ingest-bench --records 1000000
	./build/release/bin/lifeline-match-bench --records 3000000
	./build/release/bin/lifeline-linkage-bench --records 1000000
	./build/release/bin/lifeline-referral-bench --plans 2000 --clients 16 | grep -v event=
	./build/release/bin/lifeline-webhook-delivery-bench --plans 2000 --bin_dir build/release/bin

# Builds the fuzz targets with clang and libFuzzer (preset fuzz) and runs each for FUZZ_SECONDS
# (default 60), growing a scratch corpus under build/fuzz/corpus/ from the seeds in git (which are
# only read). Crashing inputs land in build/fuzz/artifacts/; each run's log in build/fuzz/logs/.
fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz --target csv_reader_fuzz id_number_fuzz gateway_request_fuzz
	@set -euo pipefail; \
	for pair in csv_reader_fuzz:common/csv/testdata/csv_corpus \
	            id_number_fuzz:common/identity/testdata/id_corpus \
	            gateway_request_fuzz:gateway/proxy/testdata/request_corpus; do \
	  name=$${pair%%:*}; seeds=$${pair#*:}; \
	  mkdir -p build/fuzz/corpus/$$name build/fuzz/artifacts build/fuzz/logs; \
	  echo "== $$name: $${FUZZ_SECONDS:-60} s"; \
	  status=0; \
	  ./build/fuzz/bin/$$name -max_total_time=$${FUZZ_SECONDS:-60} -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$$name- build/fuzz/corpus/$$name $$seeds \
	    > build/fuzz/logs/$$name.log 2>&1 || status=$$?; \
	  grep -E 'INITED|DONE|^Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
	    build/fuzz/logs/$$name.log || true; \
	  if [ $$status -ne 0 ]; then tail -n 40 build/fuzz/logs/$$name.log; exit $$status; fi; \
	done

clean:
	rm -rf build
