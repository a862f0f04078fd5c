"""Legacy OpenSSL 1.0.2 client (from nassl) as a TLS peer for the interop suite.

Run as a separate process (nassl can block forever on a misbehaving peer, so
the caller enforces a timeout and kills us):

    python3 nassl_client.py --port P --cipher AES128-SHA [--version TLSV1]
                            [--cafile ca.pem] [--send TEXT]
                            [--cert client.pem --key client.key | --no-client-cert]

--cert/--key: a client certificate (PEM chain) and its key, sent when the server asks.
--no-client-cert: answer a certificate request without one (OpenSSL's default when no
client_cert_cb is set: an empty Certificate, or SSL 3.0's no_certificate warning) instead
of stopping the handshake (nassl's ClientCertificateRequested, the default).

Prints, one per line and flushed:
    cipher: <OpenSSL cipher name>
    received: <repr of the bytes read back>
    shutdown: ok
Exit status 0 when the handshake, the echo and the shutdown all worked.
"""

import argparse
import pathlib
import socket
import sys
import time

from nassl.legacy_ssl_client import LegacySslClient
from nassl.ssl_client import OpenSslVerifyEnum, OpenSslVersionEnum


def say(line: str) -> None:
    print(line, flush=True)


def read_some(client, size):
    """Reads what one record holds.

    nassl's read() always waits on the socket before asking OpenSSL, so a record that arrived
    in the same TCP segment as the previous one (a 1/n-1 split, an empty fragment) would sit in
    OpenSSL's buffer until the read timed out. Ask the engine first; go to the socket only when
    it has nothing whole.
    """
    from nassl._nassl import WantReadError

    try:
        data = client._ssl.read(size)
        if data:
            return data
    except WantReadError:
        pass
    return client.read(size)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cipher", required=True, help="OpenSSL cipher list, e.g. AES128-SHA")
    ap.add_argument("--version", default="TLSV1", choices=[v.name for v in OpenSslVersionEnum])
    ap.add_argument("--cafile", help="verify the server against this CA bundle")
    ap.add_argument("--servername", help="send this SNI host name")
    ap.add_argument("--cert", help="client certificate chain (PEM), sent when the server asks")
    ap.add_argument("--key", help="the client certificate's private key (PEM)")
    ap.add_argument("--no-client-cert", action="store_true", help="go on without a certificate when asked")
    ap.add_argument("--send", default="ping from nassl\n")
    ap.add_argument("--io-timeout", type=float, default=5.0)
    ap.add_argument("--options", type=lambda v: int(v, 0), default=0,
                    help="SSL_set_options bits, e.g. 0x18000000 = no TLS 1.1/1.2 (OpenSSL 1.0.2 values)")
    args = ap.parse_args()
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")
    if args.cert and args.no_client_cert:
        ap.error("--no-client-cert excludes --cert")

    sock = socket.create_connection((args.host, args.port), timeout=args.io_timeout)
    if args.cafile:
        verify = OpenSslVerifyEnum.PEER
        locations = pathlib.Path(args.cafile)
    else:
        verify = OpenSslVerifyEnum.NONE
        locations = None
    identity = {}
    if args.no_client_cert:
        identity = {"ignore_client_authentication_requests": True}
    if args.cert:
        identity = {"client_certificate_chain": pathlib.Path(args.cert), "client_key": pathlib.Path(args.key)}
    client = LegacySslClient(
        underlying_socket=sock,
        ssl_version=OpenSslVersionEnum[args.version],
        ssl_verify=verify,
        ssl_verify_locations=locations,
        **identity,
    )
    client.set_cipher_list(args.cipher)
    if args.options:
        client._ssl.set_options(args.options)
    if args.servername:
        client.set_tlsext_host_name(args.servername)
    try:
        client.do_handshake()
    except Exception as exc:  # nassl raises OpenSSLError / socket errors
        say(f"error: handshake: {exc}")
        return 1
    say(f"cipher: {client.get_current_cipher_name()}")

    want = args.send.encode()
    client.write(want)
    got = b""
    deadline = time.monotonic() + args.io_timeout
    while len(got) < len(want) and time.monotonic() < deadline:
        try:
            chunk = read_some(client, 4096)
        except Exception as exc:
            say(f"error: read: {exc}")
            break
        if not chunk:
            break
        got += chunk
    say(f"received: {got!r}")

    try:
        client.shutdown()
        say("shutdown: ok")
        shutdown_ok = True
    except Exception as exc:
        say(f"error: shutdown: {exc}")
        shutdown_ok = False
    sock.close()
    return 0 if got == want and shutdown_ok else 1


if __name__ == "__main__":
    sys.exit(main())
