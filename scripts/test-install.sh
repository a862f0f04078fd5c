#!/bin/sh
# make test-install: `make install` into a temporary prefix, then build examples-c/tls-client
# and a Windows-header program against the installed copy with nothing but
# `pkg-config --cflags --libs openschannel`, run them, and `make uninstall`.
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
CC=${CC:-cc}

make -s install PREFIX="$prefix"
lib=$prefix/lib
for f in libopenschannel.so libopenschannel.so.0 pkgconfig/openschannel.pc; do
    test -e "$lib/$f" || { echo "test-install: $lib/$f missing" >&2; exit 1; }
done
for h in openschannel.h sspi.h schannel.h wincrypt.h security.h; do
    test -f "$prefix/include/openschannel/$h" || { echo "test-install: header $h missing" >&2; exit 1; }
done
test "$(readlink "$lib/libopenschannel.so")" = libopenschannel.so.0
readelf -d "$lib/libopenschannel.so.0" | grep -q 'Library soname: \[libopenschannel.so.0\]' \
    || { echo "test-install: soname is not libopenschannel.so.0" >&2; exit 1; }

export PKG_CONFIG_PATH="$lib/pkgconfig"
flags=$(pkg-config --cflags --libs openschannel)
echo "test-install: pkg-config: $flags"
# Nothing from the source tree: copy the example sources out first.
mkdir "$tmp/src"
cp examples-c/tls-client.c examples-c/common.c examples-c/common.h c-tests/compat/headers.c "$tmp/src/"
# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror -o "$tmp/tls-client" "$tmp/src/tls-client.c" "$tmp/src/common.c" $flags
# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror -DUNICODE -o "$tmp/headers" "$tmp/src/headers.c" $flags

needed=$(readelf -d "$tmp/tls-client" | sed -n 's/.*Shared library: \[\(libopenschannel[^]]*\)\].*/\1/p')
test "$needed" = libopenschannel.so.0 || { echo "test-install: tls-client needs '$needed'" >&2; exit 1; }
resolved=$(LD_LIBRARY_PATH="$lib" ldd "$tmp/tls-client" | sed -n 's/.*libopenschannel.so.0 => \([^ ]*\).*/\1/p')
test "$resolved" = "$lib/libopenschannel.so.0" || { echo "test-install: resolved to '$resolved'" >&2; exit 1; }

LD_LIBRARY_PATH="$lib" "$tmp/tls-client" --help >"$tmp/help.txt" 2>&1 || true
grep -q -- "--host" "$tmp/help.txt" || { echo "test-install: tls-client --help:" >&2; cat "$tmp/help.txt" >&2; exit 1; }
LD_LIBRARY_PATH="$lib" "$tmp/headers"

# Against a real peer: openssl s_server -rev on an ephemeral port, stopped by PID. The log is
# created first: the background job opens it only when it is scheduled, and on a loaded machine
# the first sed came before that (CI of 2026-12-07 here, beside two fuzzers).
: >"$tmp/server.log"
openssl s_server -accept 127.0.0.1:0 -cert tests/data/server.pem -key tests/data/server.key \
    -naccept 1 -rev >"$tmp/server.log" 2>&1 &
server=$!
port=
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.log")
    [ -n "$port" ] || sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then kill "$server" 2>/dev/null || true; echo "test-install: s_server did not start" >&2; exit 1; fi
out=$(LD_LIBRARY_PATH="$lib" timeout 20 "$tmp/tls-client" --host 127.0.0.1 --port "$port" \
      --servername localhost --cafile tests/data/ca.pem --send "installed copy") || true
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
echo "$out" | grep -q "^ypoc dellatsni$" || { echo "test-install: no echo from s_server: $out" >&2; exit 1; }

make -s uninstall PREFIX="$prefix"
left=$(find "$prefix" -type f -o -type l)
test -z "$left" || { echo "test-install: left after uninstall: $left" >&2; exit 1; }
echo "test-install: ok ($(( $(date +%s) - start )) s)"
