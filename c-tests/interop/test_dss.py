"""DSA certificates and the DHE-DSS suites (issue 3): off by default, negotiated when a caller
names them (`--cipher`), with the server choosing its DSA certificate (`--cert2/--key2` beside
an RSA one) and the client checking the DSA signature over the DH parameters.

Real peers: the legacy OpenSSL 1.0.2 in nassl as a client (EDH-DSS-DES-CBC3-SHA and
EDH-DSS-DES-CBC-SHA at SSL 3.0 and TLS 1.0), tlslite-ng as a server (DHE-DSS 3DES at SSL 3.0 and
TLS 1.0), OpenSSL 3 as a server and as a client (DHE-DSS-AES128-SHA at TLS 1.0 and TLS 1.2, the only DHE-DSS
suite it still has). No server on this machine has DHE-DSS with single DES (tlslite has no DES,
OpenSSL 3 no DES, scapy no DSA), so that row is our client against our server.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import legacy_table
from helpers import NASSL_CLIENT, TLS_CLIENT, run
from legacy_table import NASSL_PEER, TLSLITE_PEER

HERE = Path(__file__).resolve().parent
PEER_TIMEOUT = 10.0

# (our IANA name, OpenSSL 1.0.2 name)
DSS_SUITES = [
    ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "EDH-DSS-DES-CBC3-SHA"),
    ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "EDH-DSS-DES-CBC-SHA"),
    # Not a table row: 40-bit export DHE with our 512-bit group.
    ("TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-DSS-DES-CBC-SHA"),
]
# (nassl version, our --protocol, our "protocol:" line, legacy table protocol)
VERSIONS = [("SSLV3", "ssl3", "SSLv3", "SSL 3.0"), ("TLSV1", "tls1.0", "TLSv1.0", "TLS 1.0")]


def server_args(pki: Path) -> list[str]:
    """An RSA certificate first and the DSA one second: the suite decides which is used."""
    return ["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
            "--cert2", str(pki / "server-dsa.pem"), "--key2", str(pki / "server-dsa.key")]


def client(port, pki: Path, proto: str, iana: str):
    """Our client, trusting the test CA, offering `iana` only at `proto`."""
    return run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
                "--cafile", pki / "ca.pem", "--protocol", proto, "--cipher", iana, "--send", "ping"])


def assert_client_ok(r, proto_line: str, iana: str, answer: str, srv) -> None:
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: %s" % proto_line, "cipher: %s" % iana], out
    assert answer in r.stdout.splitlines(), out


def openssl_dsa_server(procs, pki: Path, version_flag: str):
    """`openssl s_server` with the DSA certificate and only DHE-DSS-AES128-SHA, answering lines reversed."""
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / "server-dsa.pem",
           "-key", pki / "server-dsa.key", version_flag, "-cipher", "DHE-DSS-AES128-SHA:@SECLEVEL=0", "-rev",
           "-naccept", "1"]
    return procs.start_server(cmd, "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")


def nassl(port: int, pki: Path, cipher: str, version: str, line: str = "dss ping\n"):
    return run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", version,
                "--cipher", cipher, "--cafile", pki / "ca.pem", "--send", line], timeout=30)


@pytest.mark.parametrize("nassl_version, proto, proto_line, table_proto", VERSIONS, ids=[v[1] for v in VERSIONS])
@pytest.mark.parametrize("iana, openssl", DSS_SUITES, ids=[s[0] for s in DSS_SUITES])
def test_our_server_vs_nassl_client(iana, openssl, nassl_version, proto, proto_line, table_proto, pki,
                                    our_server, legacy_row):
    srv, port = our_server([*server_args(pki), "--once", "--echo", "--protocol", proto,
                            "--cipher", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "--cipher", iana])
    r = nassl(port, pki, openssl, nassl_version)
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % openssl in r.stdout.splitlines(), out
    assert "received: %r" % b"dss ping\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: %s" % proto_line in srv.output.splitlines(), srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()
    if iana in legacy_table.TLS_SUITES:
        legacy_row(iana, table_proto, "our server", NASSL_PEER)


@pytest.mark.parametrize("nassl_version, proto, proto_line, table_proto", VERSIONS, ids=[v[1] for v in VERSIONS])
def test_our_client_vs_tlslite_dhe_dss_3des(nassl_version, proto, proto_line, table_proto, pki, procs,
                                           examples, legacy_row):
    iana = "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"
    srv, m = procs.start_server([sys.executable, "-u", HERE / "tlslite_server.py", "--cert", pki / "server-dsa.pem",
                                 "--key", pki / "server-dsa.key", "--version", proto, "--cipher", "3des",
                                 "--kx", "dhe_dss"],
                                "tlslite server", ready=r"^listening: (\d+)$")
    assert_client_ok(client(m.group(1), pki, proto, iana), proto_line, iana, "ping", srv)
    assert srv.wait_for(r"^version: 3\.%d$" % (0 if proto == "ssl3" else 1), PEER_TIMEOUT), srv.describe()
    assert srv.wait_for(r"^done$", PEER_TIMEOUT), srv.describe()
    legacy_row(iana, table_proto, "our client", TLSLITE_PEER)


@pytest.mark.parametrize("flag, proto, proto_line", [("-tls1", "tls1.0", "TLSv1.0"), ("-tls1_2", "tls1.2", "TLSv1.2")])
def test_our_client_vs_openssl3_dhe_dss_aes(flag, proto, proto_line, pki, procs, examples):
    iana = "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"
    srv, m = openssl_dsa_server(procs, pki, flag)
    assert_client_ok(client(m.group(1), pki, proto, iana), proto_line, iana, "gnip", srv)


@pytest.mark.parametrize("flag, proto, proto_line, session_proto",
                         [("-tls1", "tls1.0", "TLSv1.0", "TLSv1"), ("-tls1_2", "tls1.2", "TLSv1.2", "TLSv1.2")])
def test_our_server_vs_openssl3_client_dhe_dss_aes(flag, proto, proto_line, session_proto, pki, procs, our_server):
    """OpenSSL 3 verifies our DSA ServerKeyExchange signature (SHA-1 at TLS 1.0, dsa_sha256 at 1.2)."""
    iana = "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"
    srv, port = our_server([*server_args(pki), "--once", "--echo", "--protocol", proto,
                            "--cipher", "TLS_RSA_WITH_AES_128_CBC_SHA", "--cipher", iana])
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, flag,
                       "-cipher", "DHE-DSS-AES128-SHA:@SECLEVEL=0", "-CAfile", pki / "ca.pem",
                       "-servername", "localhost", "-verify_return_error"],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"ping from s_client\n")
    assert cli.wait_for(r"^ping from s_client$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert re.search(r"Cipher is DHE-DSS-AES128-SHA$", cli.output, re.M), cli.describe()
    assert re.search(r"^\s*Protocol\s*: %s$" % session_proto, cli.output, re.M), cli.describe()
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: %s" % proto_line in srv.output.splitlines(), srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()


@pytest.mark.parametrize("iana", ["TLS_DHE_DSS_WITH_DES_CBC_SHA", "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"])
@pytest.mark.parametrize("proto, proto_line, table_proto", [("ssl3", "SSLv3", "SSL 3.0"), ("tls1.0", "TLSv1.0", "TLS 1.0")])
def test_our_client_vs_our_server_dhe_dss_des(iana, proto, proto_line, table_proto, pki, our_server, legacy_row):
    """No server on this machine has DHE-DSS with single DES (nor any EXPORT1024 suite): our
    client against our server; both roles are ours, so both rows are recorded."""
    srv, port = our_server([*server_args(pki), "--once", "--echo", "--protocol", proto, "--cipher", iana])
    assert_client_ok(client(port, pki, proto, iana), proto_line, iana, "ping", srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()
    legacy_row(iana, table_proto, "our client", legacy_table.OURSELVES)
    if "EXPORT1024" in iana:
        legacy_row(iana, table_proto, "our server", legacy_table.OURSELVES)


def test_a_default_server_refuses_a_dhe_dss_only_client(pki, our_server):
    """The server holds a DSA certificate but enables no DHE-DSS suite unless named."""
    srv, port = our_server([*server_args(pki), "--once"])
    r = nassl(port, pki, "EDH-DSS-DES-CBC3-SHA:EDH-DSS-DES-CBC-SHA", "TLSV1")
    assert r.returncode != 0, r.stdout + r.stderr
    assert "handshake failure" in r.stdout, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_ALGORITHM_MISMATCH" in srv.output, srv.describe()
    assert "alert: 40" in srv.output.splitlines(), srv.describe()


def test_a_default_client_does_not_offer_dhe_dss(pki, procs, examples):
    srv, m = openssl_dsa_server(procs, pki, "-tls1_2")
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", "ping"])  # no --cipher: the defaults
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode != 0, out
    # OpenSSL answers handshake_failure, which our client reports as Schannel does.
    assert "error: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in r.stdout.splitlines(), out
    assert srv.wait_for(r"no shared cipher", PEER_TIMEOUT), out
