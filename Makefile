# openschannel — the two commands: `make demo` and `make test`.
# Everything the tests need is installed by scripts/install-deps.sh (Debian packages, PyPI).

CARGO ?= cargo
PYTHON ?= python3

.PHONY: all build deps demo test lint test-rust test-c test-compat test-interop bench header clean

all: build

build:
	$(CARGO) build --release
	$(MAKE) -C examples-c

deps:
	sh scripts/install-deps.sh

## Our server and client talking, then our client against `openssl s_server`.
demo: deps build
	./examples-c/demo.sh

## Every test: Rust unit/integration tests (header freshness included), the C harness, interop.
test: deps build lint test-rust test-c test-interop

## Formatting and lints are part of the test command.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings

test-rust:
	$(CARGO) test --release

test-c: build
	$(MAKE) -C c-tests check
	$(MAKE) -C c-tests/compat check

## Windows-named headers (C99/C11/C++17, UNICODE, -fshort-wchar) and the Windows-style programs.
test-compat: build
	$(MAKE) -C c-tests/compat check

test-interop: build
	$(MAKE) -C c-tests/compat programs
	cd c-tests/interop && $(PYTHON) -m pytest -q

## Our engine and OpenSSL side by side in one process run; prints ratios (see bench/README.md).
bench: deps build
	$(MAKE) -C bench run

## Regenerate include/openschannel.h from the Rust source (cbindgen).
header:
	UPDATE_HEADER=1 $(CARGO) test --release --test header

clean:
	$(CARGO) clean
	$(MAKE) -C examples-c clean
	rm -rf c-tests/build c-tests/compat/build
