"""Export suites with RSA key exchange (issue 3): TLS_RSA_EXPORT_WITH_RC4_40_MD5,
TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 and the EXPORT1024 suites TLS_RSA_EXPORT1024_WITH_RC4_56_SHA
and TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA, at SSL 3.0 and TLS 1.0, both roles.

Peers: our server against the legacy OpenSSL 1.0.2 client in nassl (EXP-RC4-MD5, EXP-RC2-CBC-MD5:
our 2048-bit certificate, so our server sends its 512-bit temporary key); our client against
scapy's TLSServerAutomaton (it sends its own 512-bit temporary key for a 2048-bit certificate).
No peer on this machine speaks the EXPORT1024 suites (shared/docs/peers.md): those rows are our
client against our server through the examples, recorded as such.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import legacy_table
from helpers import NASSL_CLIENT, TLS_CLIENT, run
from legacy_table import NASSL_PEER, SCAPY_PEER

HERE = Path(__file__).resolve().parent
PEER_TIMEOUT = 20.0
VERSIONS = [("SSL 3.0", "ssl3", "SSLV3", "SSLv3", "0x0300"), ("TLS 1.0", "tls1.0", "TLSV1", "TLSv1.0", "0x0301")]
VERSION_IDS = [v[0] for v in VERSIONS]
# (our IANA name, OpenSSL 1.0.2 name)
EXPORT40 = [
    ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5"),
    ("TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-RC2-CBC-MD5"),
    # Not a table row (Schannel 2003 did not have it): DES with a 40-bit secret.
    ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DES-CBC-SHA"),
]
# What scapy's server serves us: (our IANA name, its temporary RSA key): the 40-bit export suites,
# and single DES (no server but scapy's has it for our client).
SCAPY_SUITES = [(iana, "512") for iana, _ in EXPORT40] + [("TLS_RSA_WITH_DES_CBC_SHA", "none")]
EXPORT1024 = ["TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"]


def server_args(pki, proto: str, iana: str) -> list[str]:
    return ["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once", "--echo",
            "--protocol", proto, "--cipher", iana]


@pytest.mark.parametrize("protocol, proto, nassl_version, shown, _wire", VERSIONS, ids=VERSION_IDS)
@pytest.mark.parametrize("iana, openssl", EXPORT40, ids=[s[0] for s in EXPORT40])
def test_our_server_vs_nassl_export_client(iana, openssl, protocol, proto, nassl_version, shown, _wire, pki,
                                           our_server, legacy_row):
    srv, port = our_server(server_args(pki, proto, iana))
    r = run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", nassl_version, "--cipher", openssl,
             "--cafile", pki / "ca.pem", "--send", "export grade\n"], timeout=30)
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % openssl in r.stdout.splitlines(), out
    assert "received: %r" % b"export grade\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: %s" % shown in srv.output.splitlines(), srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()
    if iana in legacy_table.TLS_SUITES:
        legacy_row(iana, protocol, "our server", NASSL_PEER)


@pytest.mark.parametrize("protocol, proto, _n, shown, wire", VERSIONS, ids=VERSION_IDS)
@pytest.mark.parametrize("iana, temporary", SCAPY_SUITES, ids=[s[0] for s in SCAPY_SUITES])
def test_our_client_vs_scapy_export_server(iana, temporary, protocol, proto, _n, shown, wire, pki, procs, examples,
                                           legacy_row):
    srv, m = procs.start_server([sys.executable, "-u", HERE / "scapy_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--timeout", str(PEER_TIMEOUT)],
                                "scapy server", ready=r"^listening: (\d+)$")
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", proto, "--cipher", iana, "--send", "ping"])
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: %s" % shown, "cipher: %s" % iana], out
    assert "ping" in r.stdout.splitlines(), out
    assert srv.wait_for(r"^done$", PEER_TIMEOUT), srv.describe()
    lines = srv.output.splitlines()
    assert "version: %s" % wire in lines and "cipher: %s" % iana in lines, srv.describe()
    # The certificate key is 2048 bits: an export handshake used scapy's 512-bit temporary key.
    assert "temporary key: %s" % temporary in lines, srv.describe()
    if iana in legacy_table.TLS_SUITES:
        legacy_row(iana, protocol, "our client", SCAPY_PEER)


@pytest.mark.parametrize("protocol, proto, _n, shown, _w", VERSIONS, ids=VERSION_IDS)
@pytest.mark.parametrize("iana", EXPORT1024)
def test_export1024_our_client_vs_our_server(iana, protocol, proto, _n, shown, _w, pki, our_server, legacy_row):
    """No peer here speaks EXPORT1024: our client against our server (1024-bit temporary key)."""
    srv, port = our_server(server_args(pki, proto, iana))
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", proto, "--cipher", iana, "--send", "ping"])
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: %s" % shown, "cipher: %s" % iana], out
    assert "ping" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()
    legacy_row(iana, protocol, "our client", legacy_table.OURSELVES)
    legacy_row(iana, protocol, "our server", legacy_table.OURSELVES)


def test_default_server_refuses_an_export_only_client(pki, our_server):
    """Export suites are off by default: handshake_failure and SEC_E_ALGORITHM_MISMATCH."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once"])
    r = run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", "TLSV1",
             "--cipher", "EXP-RC4-MD5:EXP-RC2-CBC-MD5", "--send", "x\n"], timeout=30)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "alert handshake failure" in r.stdout + r.stderr, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_ALGORITHM_MISMATCH" in srv.output, srv.describe()
