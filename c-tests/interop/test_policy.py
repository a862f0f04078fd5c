"""Policy through the SSPI surface (issue 3, item 5-6): what a default server refuses, and
insufficient_security for a server that demands more strength than the client offers.
The peer is the legacy OpenSSL 1.0.2 in nassl, the one client here that still offers every
weak suite.
"""

from __future__ import annotations

import sys

from helpers import NASSL_CLIENT, run

PEER_TIMEOUT = 10.0
# Every weak suite nassl's OpenSSL 1.0.2 can offer at TLS 1.0 (peers.md).
WEAK_ONLY = ("RC4-MD5:RC4-SHA:DES-CBC-SHA:EDH-DSS-DES-CBC-SHA:EDH-DSS-DES-CBC3-SHA:EXP-RC4-MD5:"
             "EXP-RC2-CBC-MD5:EXP-DES-CBC-SHA:EXP-EDH-DSS-DES-CBC-SHA:NULL-MD5:NULL-SHA")


def nassl(port: int, pki, cipher: str, version: str = "TLSV1"):
    return run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", version,
                "--cipher", cipher, "--cafile", pki / "ca.pem", "--send", "x\n"], timeout=30)


def server_args(pki, *extra: str) -> list[str]:
    return ["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once", *extra]


def assert_refused(r, srv, alert: str) -> None:
    """nassl failed with our `alert`, and our server reported SEC_E_ALGORITHM_MISMATCH."""
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "alert %s" % alert in out, out
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_ALGORITHM_MISMATCH" in srv.output, srv.describe()


def test_default_server_refuses_a_client_offering_only_weak_suites(pki, our_server):
    srv, port = our_server(server_args(pki))
    assert_refused(nassl(port, pki, WEAK_ONLY), srv, "handshake failure")


def test_minimum_strength_answers_weaker_offers_with_insufficient_security(pki, our_server):
    """dwMinimumCipherStrength = 128 and a client offering only 56-bit DES: alert 71."""
    srv, port = our_server(server_args(pki, "--min-strength", "128"))
    assert_refused(nassl(port, pki, "DES-CBC-SHA"), srv, "insufficient security")


def test_minimum_strength_still_negotiates_a_strong_enough_suite(pki, our_server):
    srv, port = our_server(server_args(pki, "--min-strength", "128", "--echo"))
    r = nassl(port, pki, "DES-CBC-SHA:AES128-SHA")
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: AES128-SHA" in r.stdout.splitlines(), out
