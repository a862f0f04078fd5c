#!/bin/sh
# demo.sh — the examples in action (run by `make -C examples-c demo`):
#   1. our tls-server (--echo) and our tls-client, both on libopenschannel;
#   2. our tls-client against `openssl s_server -tls1 -rev` (answers each line
#      reversed).
# Certificates come from c-tests/pki/make-pki.sh in target/demo-pki. Only
# 127.0.0.1 is used; servers are stopped by PID on exit. Exit status is
# non-zero if any step fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
client=$here/tls-client
server=$here/tls-server
pki=$repo/target/demo-pki
text="hello, openschannel"

for b in "$client" "$server"; do
    [ -x "$b" ] || { echo "demo: $b missing; run 'cargo build --release && make -C examples-c'" >&2; exit 1; }
done
command -v openssl >/dev/null 2>&1 || { echo "demo: openssl not found" >&2; exit 1; }

tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    for p in $pids; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for_line FILE REGEX PID: prints the first matching line's capture
# (sed -n 's/REGEX/\1/p'); gives up after 10 s or when PID exits.
wait_for_line() {
    i=0
    while [ $i -lt 100 ]; do
        v=$(sed -n "s/$2/\\1/p" "$1" 2>/dev/null | head -n 1)
        if [ -n "$v" ]; then
            echo "$v"
            return 0
        fi
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "demo: server did not start; its output:" >&2
    cat "$1" >&2
    return 1
}

# run_client NAME EXPECTED_REPLY ARGS...: runs tls-client, shows the result.
run_client() {
    name=$1 expect=$2
    shift 2
    echo "== $name"
    rc=0
    timeout 30 "$client" --host 127.0.0.1 --servername localhost --cafile "$pki/ca.pem" \
        --send "$text" "$@" >"$tmp/client.out" 2>"$tmp/client.err" || rc=$?
    protocol=$(sed -n 's/^protocol: //p' "$tmp/client.out")
    suite=$(sed -n 's/^cipher: //p' "$tmp/client.out")
    reply=$(grep -v -e '^protocol: ' -e '^cipher: ' "$tmp/client.out" || true)
    echo "   protocol: ${protocol:-?}"
    echo "   suite:    ${suite:-?}"
    echo "   sent:     $text"
    echo "   received: $reply"
    if [ $rc -ne 0 ] || [ "$reply" != "$expect" ]; then
        echo "demo: FAILED (tls-client exit status $rc); its output:" >&2
        cat "$tmp/client.out" "$tmp/client.err" >&2
        return 1
    fi
}

sh "$repo/c-tests/pki/make-pki.sh" "$pki"

# 1. Our server, our client.
"$server" --port 0 --cert "$pki/server.pem" --key "$pki/server.key" --echo >"$tmp/server.out" 2>&1 &
pid=$!
pids="$pids $pid"
port=$(wait_for_line "$tmp/server.out" '^listening: \([0-9]*\)$' "$pid")
run_client "openschannel client -> openschannel server (127.0.0.1:$port)" "$text" --port "$port"

# 2. Our client, OpenSSL's server (TLS 1.0 needs security level 0 in OpenSSL 3).
openssl s_server -accept 127.0.0.1:0 -cert "$pki/server.pem" -key "$pki/server.key" \
    -tls1 -cipher 'AES128-SHA:@SECLEVEL=0' -rev >"$tmp/s_server.out" 2>&1 &
pid=$!
pids="$pids $pid"
port=$(wait_for_line "$tmp/s_server.out" '^ACCEPT 127\.0\.0\.1:\([0-9]*\)$' "$pid")
reversed=$(printf '%s\n' "$text" | awk '{ r = ""; for (i = length($0); i > 0; i--) r = r substr($0, i, 1); print r }')
run_client "openschannel client -> openssl s_server -rev (127.0.0.1:$port)" "$reversed" --port "$port"

echo "demo: ok"
