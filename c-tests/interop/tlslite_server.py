"""A tlslite-ng server (pure Python) as an SSL 3.0 / TLS peer for the interop suite.

    python3 tlslite_server.py --cert server.pem --key server.key --version ssl3
                              [--cipher aes128|aes256|3des|rc4|null] [--mac sha|md5]
                              [--kx rsa|dhe_dss] [--request-cert]

--kx dhe_dss: DHE with the DSA certificate and key given (tlslite's "dhe_dsa"); the
default is RSA key exchange.

--request-cert: send a CertificateRequest (tlslite's reqCert=True; an empty CA list) and
print `client certificate: <SHA-256 of the leaf's DER>` after the handshake, or
`client certificate: none`. tlslite checks the client's CertificateVerify signature with
the leaf's key (the SSL 3.0 hash at SSL 3.0) and fails the handshake if it does not verify.

Listens on 127.0.0.1 (ephemeral port), prints `listening: <port>`, serves one
connection: handshake, then echoes each line back until the client closes;
prints `version: <major>.<minor>` and `cipher: <tlslite name>` after the
handshake. Exits after that connection or on any error (status 1).
"""

from __future__ import annotations

import argparse
import hashlib
import socket
import sys

from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

VERSIONS = {"ssl3": (3, 0), "tls1.0": (3, 1), "tls1.1": (3, 2), "tls1.2": (3, 3)}
CIPHERS = {"aes128": "aes128", "aes256": "aes256", "3des": "3des", "rc4": "rc4", "null": "null"}


def say(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--version", default="ssl3", choices=list(VERSIONS))
    ap.add_argument("--cipher", default="aes128", choices=list(CIPHERS))
    ap.add_argument("--mac", default="sha", choices=["sha", "md5"])
    ap.add_argument("--kx", default="rsa", choices=["rsa", "dhe_dss"])
    ap.add_argument("--request-cert", action="store_true", help="ask the client for a certificate")
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()

    chain = X509CertChain()
    chain.parsePemList(open(args.cert).read())
    key = parsePEMKey(open(args.key).read(), private=True)
    settings = HandshakeSettings()
    settings.minVersion = settings.maxVersion = VERSIONS[args.version]
    settings.cipherNames = [CIPHERS[args.cipher]]
    settings.macNames = [args.mac]
    settings.keyExchangeNames = ["dhe_dsa" if args.kx == "dhe_dss" else "rsa"]

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(args.timeout)
    say("listening: %d" % lsock.getsockname()[1])
    conn, _ = lsock.accept()
    conn.settimeout(args.timeout)
    tls = TLSConnection(conn)
    try:
        tls.handshakeServer(certChain=chain, privateKey=key, settings=settings, reqCert=args.request_cert)
        say("version: %d.%d" % tls.version)
        say("cipher: %s" % tls.getCipherName())
        if args.request_cert:
            client_chain = tls.session.clientCertChain
            if client_chain and client_chain.getNumCerts():
                leaf = bytes(client_chain.x509List[0].bytes)
                say("client certificate: %s" % hashlib.sha256(leaf).hexdigest())
            else:
                say("client certificate: none")
        buf = b""
        while True:
            data = tls.read()
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                tls.write(line + b"\n")
        tls.close()
    except Exception as exc:  # the test reads our output; any failure is reported there
        import traceback
        traceback.print_exc()
        say("error: %r" % (exc,))
        return 1
    finally:
        conn.close()
        lsock.close()
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
