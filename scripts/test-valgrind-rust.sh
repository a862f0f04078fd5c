#!/bin/sh
# test-valgrind-rust.sh: the test binaries of `cargo test --release` (the library's unit tests
# and every tests/*.rs integration test) under valgrind memcheck (`make test-valgrind-rust`;
# issue 8 item 2, "the Rust side under valgrind --leak-check=full --error-exitcode=1").
#
#   errors: any memcheck error (invalid read/write, use of uninitialised values, invalid free)
#           and definitely or indirectly lost blocks fail the binary (--error-exitcode=1); so
#           does a failing test. Logs: target/valgrind-rust/<binary>.log.
#   "possibly lost" and "still reachable" blocks are not errors: test threads that the harness
#   leaves parked, the OnceLock'd trust store, session cache and handle tables, aws-lc's
#   per-thread state (the same classification as scripts/test-valgrind.sh).
#   Doctests are not binaries cargo keeps, so they are not run here (they run in `cargo test`).
#
# Suppressions: scripts/valgrind-rust.supp, each entry with the reason it is not ours.
# Self-test: a small Rust program that loses a block must fail under the same options.
# VG_RUST_FILTER=<substring> passes a test-name filter to every binary (for a quick look).
set -eu
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null 2>&1 || { echo "test-valgrind-rust: valgrind not installed (make deps)" >&2; exit 1; }

VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --num-callers=30
    --suppressions=scripts/valgrind-rust.supp --gen-suppressions=all"
out=target/valgrind-rust
mkdir -p "$out"

bins=$(cargo test --release --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])
')
[ -n "$bins" ] || { echo "test-valgrind-rust: no test binaries (cargo test --release --no-run failed?)" >&2; exit 1; }

failed=0
for b in $bins; do
    name=$(basename "$b" | sed 's/-[0-9a-f]*$//')
    log="$out/$name.log"
    start=$(date +%s)
    # Two test threads: valgrind runs one thread at a time anyway, fewer threads keep it lean.
    if $VG --log-file="$log" "$b" --test-threads=2 -q ${VG_RUST_FILTER:+"$VG_RUST_FILTER"} >"$out/$name.out" 2>&1; then
        echo "test-valgrind-rust: $name ok ($(($(date +%s) - start)) s; $(grep -E '^test result' "$out/$name.out" | tail -n 1))"
    else
        failed=1
        tail -n 30 "$out/$name.out" >&2
        grep -E 'Invalid|uninitialised|definitely lost|indirectly lost|ERROR SUMMARY' "$log" | head -n 20 >&2 || true
        echo "test-valgrind-rust: $name FAILED (valgrind log: $log)" >&2
    fi
done
# Self-test: a Rust program that loses one 48-byte block must make valgrind, with the same
# options, exit non-zero and report it as definitely lost, or these runs prove nothing.
cat >"$out/leak_selftest.rs" <<'EOF'
fn main() {
    let lost = std::hint::black_box(vec![0x5au8; 48]);
    std::mem::forget(lost);
}
EOF
rustc -O -g -o "$out/leak_selftest" "$out/leak_selftest.rs"
if $VG --log-file="$out/leak_selftest.log" "$out/leak_selftest" >/dev/null 2>&1; then
    echo "test-valgrind-rust: self-test FAILED: valgrind exited 0 on a definite leak" >&2
    failed=1
elif ! grep -q 'definitely lost: 48 bytes in 1 blocks' "$out/leak_selftest.log"; then
    echo "test-valgrind-rust: self-test FAILED: the lost block was not reported" >&2
    failed=1
else
    echo "test-valgrind-rust: self-test ok (a lost 48-byte block fails the run)"
fi
exit $failed
