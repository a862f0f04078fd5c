#!/bin/sh
# fuzz-smoke.sh: every cargo-fuzz target for FUZZ_SECONDS (default 20) from the committed seed
# corpus, with AddressSanitizer on the Rust side (`make fuzz-smoke`). New corpus entries go to
# a temporary directory, so the committed corpus never changes; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run. libFuzzer runs every seed first, so a seed that
# stopped working fails here too. (`make fuzz-replay` does the same without libFuzzer.)
#
# Toolchain: cargo-fuzz needs nightly-only rustc flags (-Zsanitizer=address, and cargo-fuzz's
# own -Z options). The only toolchain here is stable, so this sets RUSTC_BOOTSTRAP=1, which
# lets stable rustc accept them. That is unsupported by the Rust project but works with 1.95;
# FUZZ_SANITIZER=none gives a build without ASan (libFuzzer coverage only).
set -eu
cd "$(dirname "$0")/../fuzz"

seconds=${FUZZ_SECONDS:-20}
san=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null 2>&1 || { echo "fuzz-smoke: cargo-fuzz not installed (make deps)" >&2; exit 1; }

cargo fmt --check
cargo fuzz build -s "$san"
targets=$(cargo fuzz list)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in $targets; do
    mkdir -p "$tmp/$t"
    log="$tmp/$t.log"
    if ! cargo fuzz run -s "$san" "$t" "$tmp/$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=0 >"$log" 2>&1; then
        cat "$log" >&2
        echo "fuzz-smoke: $t FAILED; input saved under fuzz/artifacts/$t/ (reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $t <file>)" >&2
        exit 1
    fi
    echo "fuzz-smoke: $t ok: $(grep -E '^#[0-9]+' "$log" | tail -n 1)"
done
