#!/bin/sh
# test-asan.sh: the C harness built with AddressSanitizer + UndefinedBehaviorSanitizer, run
# against the normal release library (`make test-asan`; the library must be built).
#
# What it sees: every error in the C tests' own code; heap misuse the Rust library commits
# through malloc/free/memcpy/memmove/memset/strlen (ASan intercepts them process-wide: double
# and invalid frees, overflowing copies into or out of C buffers); leaks anywhere in the process,
# the library's included (LeakSanitizer checks every malloc'd block at exit). What it cannot
# see: plain loads and stores compiled into the (uninstrumented) Rust library, and objects the
# library still references from a process-wide table at exit (reachable, so not a leak to LSan)
# -- `make test-valgrind` covers both.
#
# Suppressions: none. LSan only reports unreachable blocks, and the library's one-time state
# (OnceLock'd system trust store, session cache, handle tables, aws-lc thread state) stays
# reachable from globals, so nothing needs suppressing.
#
# Self-test: c-tests/leak_selftest.c leaks on purpose; LSan must report it, or this fails.
set -eu
cd "$(dirname "$0")/.."

SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:detect_invalid_pointer_pairs=1"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS UBSAN_OPTIONS

make -C c-tests check BUILD=build-asan SANFLAGS="$SANFLAGS"

make -s -C c-tests build-asan/leak_selftest BUILD=build-asan SANFLAGS="$SANFLAGS"
log=c-tests/build-asan/leak_selftest.log
if c-tests/build-asan/leak_selftest >"$log" 2>&1; then
    echo "test-asan: self-test FAILED: leak_selftest exited 0, LeakSanitizer missed its deliberate leak" >&2
    cat "$log" >&2
    exit 1
fi
if ! grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$log" || ! grep -q 'leak_selftest.c' "$log"; then
    echo "test-asan: self-test FAILED: no LeakSanitizer report naming leak_selftest.c" >&2
    cat "$log" >&2
    exit 1
fi
echo "test-asan: self-test ok (LeakSanitizer reported the deliberate leak)"
