# openschannel — the two commands: `make demo` and `make test`.
# Everything the tests need is installed by scripts/install-deps.sh (Debian packages, PyPI).

CARGO ?= cargo
PYTHON ?= python3

.PHONY: all build deps demo test lint test-rust test-c test-compat test-interop test-install install uninstall test-soak test-asan test-valgrind \
	test-valgrind-rust fuzz-smoke fuzz-replay fuzz-campaign bench bench-timing header clean

all: build

build:
	$(CARGO) build --release
	$(MAKE) -C examples-c

deps:
	sh scripts/install-deps.sh

## Our server and client talking, then our client against `openssl s_server`.
demo: deps build
	./examples-c/demo.sh

## Every test: Rust unit/integration tests (header freshness included), the C harness and the
## Windows-header programs, the C harness under ASan and under valgrind, interop, the installed
## package, and each fuzz target briefly (issue 8).
test: deps build lint test-rust test-c test-soak test-asan test-valgrind test-valgrind-rust test-interop test-install fuzz-smoke

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

## The concurrency soak: shared credentials, 2 x cores threads, 10 s (SOAK_THREADS, SOAK_SECONDS).
test-soak: build
	$(MAKE) -C c-tests soak

## The C harness with ASan+UBSan (LeakSanitizer on) against the release library (issue 8).
test-asan: build
	sh scripts/test-asan.sh

## Every C harness binary under valgrind memcheck: errors, leaks, objects never released.
test-valgrind: build
	sh scripts/test-valgrind.sh

## The Rust test binaries (unit + integration) under valgrind memcheck, --leak-check=full
## --error-exitcode=1 (~75 s here); suppressions in scripts/valgrind-rust.supp, each explained.
test-valgrind-rust:
	sh scripts/test-valgrind-rust.sh

## Each cargo-fuzz target ~20 s (FUZZ_SECONDS) from the seed corpus, ASan on; see fuzz/README.md.
fuzz-smoke: deps
	sh scripts/fuzz-smoke.sh

## The seed corpus and deterministic mutants of it through every target, without libFuzzer.
fuzz-replay:
	cd fuzz && RUSTFLAGS="--cfg fuzzing" $(CARGO) run --release --example replay -- --mutate $${FUZZ_MUTANTS:-200}

## One long fuzzing run: `make fuzz-campaign TARGET=sspi_accept SECS=3600` (persistent corpus,
## niced, one line appended to fuzz/campaign-log.md; see fuzz/README.md). Not part of `make test`.
fuzz-campaign:
	sh scripts/fuzz-campaign.sh $(TARGET) $(SECS)

## Packaging: `make install PREFIX=/usr/local [DESTDIR=...]`, `make uninstall` (same variables).
## The library is installed as libopenschannel.so.$(VERSION) with the soname link .so.0 (set by
## build.rs) and the development link .so; headers go to $(includedir)/openschannel/ (pkg-config
## --cflags points there, so <sspi.h>, <schannel.h>, <wincrypt.h>, <security.h> resolve).
PREFIX     ?= /usr/local
libdir     ?= $(PREFIX)/lib
includedir ?= $(PREFIX)/include
pkgconfigdir ?= $(libdir)/pkgconfig
DESTDIR    ?=
VERSION    := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
SONAME     := libopenschannel.so.0
HEADERS    := openschannel.h sspi.h schannel.h wincrypt.h security.h

install:
	@test -f target/release/libopenschannel.so || { echo "run 'make build' (cargo build --release) first" >&2; exit 1; }
	install -d $(DESTDIR)$(libdir) $(DESTDIR)$(includedir)/openschannel $(DESTDIR)$(pkgconfigdir)
	install -m 0755 target/release/libopenschannel.so $(DESTDIR)$(libdir)/libopenschannel.so.$(VERSION)
	ln -sf libopenschannel.so.$(VERSION) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libopenschannel.so
	for h in $(HEADERS); do install -m 0644 include/$$h $(DESTDIR)$(includedir)/openschannel/$$h; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(libdir)|' -e 's|@INCLUDEDIR@|$(includedir)|' \
	    -e 's|@VERSION@|$(VERSION)|' openschannel.pc.in > $(DESTDIR)$(pkgconfigdir)/openschannel.pc

uninstall:
	rm -f $(DESTDIR)$(libdir)/libopenschannel.so.$(VERSION) $(DESTDIR)$(libdir)/$(SONAME) \
	      $(DESTDIR)$(libdir)/libopenschannel.so $(DESTDIR)$(pkgconfigdir)/openschannel.pc
	for h in $(HEADERS); do rm -f $(DESTDIR)$(includedir)/openschannel/$$h; done
	-rmdir $(DESTDIR)$(includedir)/openschannel 2>/dev/null

## Installs into a temporary prefix, builds examples-c/tls-client with pkg-config only, runs it.
test-install: build
	sh scripts/test-install.sh

## Our engine and OpenSSL side by side in one process run; prints ratios (see bench/README.md).
bench: deps build
	$(MAKE) -C bench run

## dudect-style timing tests (Lucky13 records, RSA premaster) through the C API, TIMING_SECS
## (default 20) per pair, about 3.5 min; not in `make bench` or `make test` (docs/security.md).
bench-timing: build
	$(MAKE) -C bench timing-run

## Regenerate include/openschannel.h from the Rust source (cbindgen).
header:
	UPDATE_HEADER=1 $(CARGO) test --release --test header

clean:
	$(CARGO) clean
	$(MAKE) -C examples-c clean
	rm -rf c-tests/build c-tests/build-asan c-tests/build-vg c-tests/compat/build
