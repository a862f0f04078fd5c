"""Python `ssl` (OpenSSL 3) as a TLS peer for test_tls12.py.

    py_tls_peer.py server --cert F --key F [--max 1.2] [--min 1.0] [--cipher S] [--alpn a,b]
                          [--dhparam F]
    py_tls_peer.py client --port P --cafile F [--servername N] [--max V] [--min V]
                          [--cipher S] [--alpn a,b] [--send TEXT]

The server listens on 127.0.0.1:0, prints "listening: PORT", serves ONE connection and
exits: "sni: NAME" (from sni_callback; "sni: none" without the extension), "version: TLSv1.2",
"cipher: <OpenSSL name>", "alpn: <protocol>|none", then echoes every line back until the
client closes (close_notify or EOF), answers close_notify and exits 0. The client prints
the same lines (no sni), sends TEXT and a newline, prints "received: <line>" for the echo,
sends close_notify and exits 0. Failures print "error: <text>" and exit 1. Every socket
operation has a timeout.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import sys

TIMEOUT = 15.0
VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2}


def say(line: str) -> None:
    print(line, flush=True)


def context(args: argparse.Namespace, server: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    # TLS 1.0/1.1 need security level 0 in OpenSSL 3.
    ctx.set_ciphers(args.cipher or "DEFAULT:@SECLEVEL=0")
    if args.min:
        ctx.minimum_version = VERSIONS[args.min]
    if args.max:
        ctx.maximum_version = VERSIONS[args.max]
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    return ctx


def report(conn: ssl.SSLSocket) -> None:
    say("version: %s" % conn.version())
    say("cipher: %s" % conn.cipher()[0])
    say("alpn: %s" % (conn.selected_alpn_protocol() or "none"))


def serve(args: argparse.Namespace) -> int:
    ctx = context(args, True)
    ctx.load_cert_chain(args.cert, args.key)
    if args.dhparam:
        ctx.load_dh_params(args.dhparam)
    seen = []
    ctx.sni_callback = lambda sock, name, c: seen.append(name) and None
    with socket.create_server(("127.0.0.1", 0)) as ls:
        ls.settimeout(TIMEOUT)
        say("listening: %d" % ls.getsockname()[1])
        raw, _ = ls.accept()
        raw.settimeout(TIMEOUT)
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            say("sni: %s" % (seen[0] if seen else "none"))
            say("error: %s" % e)
            raw.close()
            return 1
        say("sni: %s" % (seen[0] if seen else "none"))
        report(conn)
        buf = b""
        try:
            while True:
                data = conn.recv(16384)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    conn.sendall(line + b"\n")
            conn.unwrap()
        except (ssl.SSLError, OSError) as e:
            # An EOF without close_notify is the client's business; say what happened.
            say("closed: %s" % e)
        conn.close()
    return 0


def connect(args: argparse.Namespace) -> int:
    ctx = context(args, False)
    ctx.load_verify_locations(args.cafile)
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT)
    try:
        conn = ctx.wrap_socket(raw, server_hostname=args.servername)
    except (ssl.SSLError, OSError) as e:
        say("error: %s" % e)
        raw.close()
        return 1
    report(conn)
    if args.send is not None:
        conn.sendall(args.send.encode() + b"\n")
        buf = b""
        while b"\n" not in buf:
            data = conn.recv(16384)
            if not data:
                break
            buf += data
        say("received: %s" % buf.decode(errors="replace").rstrip("\n"))
    try:
        conn.unwrap()
    except (ssl.SSLError, OSError) as e:
        say("closed: %s" % e)
    conn.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--dhparam")
    ap.add_argument("--port", type=int)
    ap.add_argument("--cafile")
    ap.add_argument("--servername", default="localhost")
    ap.add_argument("--min", choices=sorted(VERSIONS))
    ap.add_argument("--max", choices=sorted(VERSIONS))
    ap.add_argument("--cipher")
    ap.add_argument("--alpn")
    ap.add_argument("--send")
    args = ap.parse_args()
    return serve(args) if args.mode == "server" else connect(args)


if __name__ == "__main__":
    sys.exit(main())
