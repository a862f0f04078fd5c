#!/bin/sh
# fuzz-campaign.sh TARGET SECONDS: one long libFuzzer run of one cargo-fuzz target (issue 8's
# "at least one CPU-hour per target"), niced, from and into a persistent corpus, then one line
# appended to fuzz/campaign-log.md: date, target, CPU seconds, executions, corpus size, crashes.
#
#   sh scripts/fuzz-campaign.sh sspi_accept 3600
#   FUZZ_CAMPAIGN_DIR=/var/tmp/openschannel-corpus sh scripts/fuzz-campaign.sh x509 3600
#   FUZZ_CAMPAIGN_LOG=/tmp/trial.md sh scripts/fuzz-campaign.sh pkcs12 10    # a trial, logged elsewhere
#
# Corpus: $FUZZ_CAMPAIGN_DIR/<target> (default fuzz/campaign/<target>, not committed: it grows to
# thousands of files); the committed seeds in fuzz/corpus/<target> are read as a second corpus
# directory, never written. Crashes land in fuzz/artifacts/<target>/ (crash-*, leak-*, oom-*,
# timeout-*); each must be fixed with a regression test and its input added to
# fuzz/corpus/<target>/. FUZZ_SANITIZER (default address) as in scripts/fuzz-smoke.sh.
# CPU seconds come from the shell's `times` (children's user + system, the build excluded), so
# they count what the run really used, whatever else the machine was doing.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 TARGET SECONDS" >&2; exit 2; }
target=$1
seconds=$2
case $seconds in '' | *[!0-9]*) echo "fuzz-campaign: SECONDS must be a whole number" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1
san=${FUZZ_SANITIZER:-address}
dir=${FUZZ_CAMPAIGN_DIR:-$root/fuzz/campaign}/$target
log_md=${FUZZ_CAMPAIGN_LOG:-$root/fuzz/campaign-log.md}
command -v cargo-fuzz >/dev/null 2>&1 || { echo "fuzz-campaign: cargo-fuzz not installed (make deps)" >&2; exit 1; }
cargo fuzz list | grep -qx "$target" || { echo "fuzz-campaign: no target $target (cargo fuzz list)" >&2; exit 2; }

# CPU seconds used so far by this shell's finished children: the second line of `times`, user
# + system (e.g. "12m3.140000s 0m9.870000s"). `times` runs in this shell, not in a $(...)
# subshell, whose children would be none.
times_file=$(mktemp)
run_log=$(mktemp)
trap 'rm -f "$run_log" "$times_file" "$times_file.before" "$times_file.after"' EXIT
child_cpu() {
    times >"$times_file"
    tail -n 1 "$times_file" | awk '{
        s = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
        printf "%.3f", s }'
}

mkdir -p "$dir" "artifacts/$target"
nice -n 10 cargo fuzz build -s "$san" "$target"
child_cpu >"$times_file.before"
cpu_before=$(cat "$times_file.before")
before=$(ls "artifacts/$target" | wc -l)
status=0
nice -n 10 cargo fuzz run -s "$san" "$target" "$dir" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$run_log" 2>&1 || status=$?
child_cpu >"$times_file.after"
cpu_after=$(cat "$times_file.after")
cpu=$(awk -v a="$cpu_after" -v b="$cpu_before" 'BEGIN { printf "%.0f", a - b }')
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run_log" | tail -n 1)
size=$(ls "$dir" | wc -l)
crashes=$(($(ls "artifacts/$target" | wc -l) - before))
if [ ! -f "$log_md" ]; then
    cat >"$log_md" <<'EOF'
# Fuzzing campaign log

One line per `scripts/fuzz-campaign.sh TARGET SECONDS` run (appended by the script; see
fuzz/README.md). CPU seconds are the run's own (user + system); the per-target total is the sum
of its lines.

| date (UTC) | target | wall s | CPU s | executions | corpus files | new crashes | exit |
|---|---|---|---|---|---|---|---|
EOF
fi
printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(date -u '+%Y-%m-%d %H:%M')" "$target" "$seconds" "$cpu" \
    "${execs:-?}" "$size" "$crashes" "$status" >>"$log_md"
tail -n 1 "$log_md"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    tail -n 40 "$run_log" >&2
    echo "fuzz-campaign: $target found a crash; inputs in fuzz/artifacts/$target/" >&2
    exit 1
fi
