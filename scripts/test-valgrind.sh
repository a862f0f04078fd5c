#!/bin/sh
# test-valgrind.sh: every C harness binary under valgrind memcheck (`make test-valgrind`; the
# library must be built). Here the Rust library is checked instruction by instruction: reads and
# writes outside caller buffers, uses of uninitialised memory, invalid frees, and leaks.
#
#   errors:  any memcheck error, and definitely or indirectly lost blocks, fail the binary
#            (--errors-for-leak-kinds=definite,indirect --error-exitcode=1; the harness's check
#            loop counts a non-zero exit as a failure).
#   objects: scripts/vg-live-objects.py then reads every log and fails when a context,
#            credential, provider buffer, CERT_CONTEXT or store was still alive at exit. The
#            library keeps those in process-wide registries, so forgetting DeleteSecurityContext
#            or FreeContextBuffer is "still reachable" (or "possibly lost") to valgrind, not an
#            error; the script classifies the loss records by allocation stack.
#   "possibly lost" and "still reachable" blocks are otherwise not errors: they are the
#   process-wide session cache, system trust store, registries and aws-lc per-thread state.
#
# Suppressions: none.
# Self-test: c-tests/leak_selftest.c leaks one of everything; valgrind must exit non-zero and
# the script must find exactly the five object kinds, or this fails.
set -eu
cd "$(dirname "$0")/.."

VG="valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect --num-callers=30 --error-exitcode=1"

command -v valgrind >/dev/null 2>&1 || { echo "test-valgrind: valgrind not installed (make deps)" >&2; exit 1; }

rm -f c-tests/build-vg/*.log
make -C c-tests check BUILD=build-vg RUNNER="$VG" ${VG_TESTS:+TESTS="$VG_TESTS"}
python3 scripts/vg-live-objects.py c-tests/build-vg/t_*.log

make -s -C c-tests build-vg/leak_selftest BUILD=build-vg
log=c-tests/build-vg/leak_selftest.vg
if $VG c-tests/build-vg/leak_selftest >"$log" 2>&1; then
    echo "test-valgrind: self-test FAILED: valgrind exited 0 on a definite leak" >&2
    exit 1
fi
grep -q 'definitely lost: 48 bytes in 1 blocks' "$log" || { echo "test-valgrind: self-test FAILED: no definite leak reported" >&2; exit 1; }
python3 scripts/vg-live-objects.py --expect buffer,cert-context,context,credential,store "$log"
