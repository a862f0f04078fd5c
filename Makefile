# openschannel — the two commands: `make demo` and `make test`.
# Everything the tests need is installed by scripts/install-deps.sh (Debian packages, PyPI).

CARGO ?= cargo
PYTHON ?= python3

.PHONY: all build deps demo test lint test-rust test-c test-interop test-asan test-valgrind fuzz-smoke fuzz-replay bench header clean

all: build

build:
	$(CARGO) build --release
	$(MAKE) -C examples-c

deps:
	sh scripts/install-deps.sh

## Our server and client talking, then our client against `openssl s_server`.
demo: deps build
	./examples-c/demo.sh

## Every test: Rust unit/integration tests (header freshness included), the C harness, the C
## harness under ASan and under valgrind, interop, and each fuzz target briefly (issue 8).
test: deps build lint test-rust test-c test-asan test-valgrind test-interop fuzz-smoke

## Formatting and lints are part of the test command.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings

test-rust:
	$(CARGO) test --release

test-c: build
	$(MAKE) -C c-tests check

test-interop: build
	cd c-tests/interop && $(PYTHON) -m pytest -q

## The C harness with ASan+UBSan (LeakSanitizer on) against the release library (issue 8).
test-asan: build
	sh scripts/test-asan.sh

## Every C harness binary under valgrind memcheck: errors, leaks, objects never released.
test-valgrind: build
	sh scripts/test-valgrind.sh

## Each cargo-fuzz target ~20 s (FUZZ_SECONDS) from the seed corpus, ASan on; see fuzz/README.md.
fuzz-smoke: deps
	sh scripts/fuzz-smoke.sh

## The seed corpus and deterministic mutants of it through every target, without libFuzzer.
fuzz-replay:
	cd fuzz && $(CARGO) run --release --example replay -- --mutate $${FUZZ_MUTANTS:-200}

## Our engine and OpenSSL side by side in one process run; prints ratios (see bench/README.md).
bench: deps build
	$(MAKE) -C bench run

## Regenerate include/openschannel.h from the Rust source (cbindgen).
header:
	UPDATE_HEADER=1 $(CARGO) test --release --test header

clean:
	$(CARGO) clean
	$(MAKE) -C examples-c clean
	rm -rf c-tests/build c-tests/build-asan c-tests/build-vg
