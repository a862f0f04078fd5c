"""SSL 3.0 and the legacy DES/NULL suites (issue 3, first slices): off by default,
negotiated when a caller enables them (`--protocol ssl3`, SP_PROT_SSL3_*, `--cipher` by name),
with SSL 3.0's own MAC, key derivation, Finished and RSA ClientKeyExchange layout, proven
against the legacy OpenSSL 1.0.2 in nassl (client) and tlslite-ng (server).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import NASSL_CLIENT, TLS_CLIENT, run
from legacy_table import NASSL_PEER, TLSLITE_PEER, TLS_SUITES as LEGACY_TABLE_SUITES

HERE = Path(__file__).resolve().parent
PEER_TIMEOUT = 10.0
# The examples' --protocol values, as the legacy table names them.
PROTOCOL_NAMES = {"ssl3": "SSL 3.0", "tls1.0": "TLS 1.0"}

# (our IANA name, OpenSSL 1.0.2 name, tlslite cipher, tlslite mac)
SSL3_SUITES = [
    ("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", "aes128", "sha"),
    ("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", "aes256", "sha"),
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", "3des", "sha"),
    ("TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA", "rc4", "sha"),
    ("TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5", "rc4", "md5"),
]
IDS = [s[0] for s in SSL3_SUITES]


def nassl(port: int, pki, cipher: str, version: str = "SSLV3", line: str = "ping over ssl3\n"):
    return run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", version,
                "--cipher", cipher, "--cafile", pki / "ca.pem", "--send", line], timeout=30)


@pytest.mark.parametrize("iana, openssl, _c, _m", SSL3_SUITES, ids=IDS)
def test_our_server_vs_nassl_sslv3_client(iana, openssl, _c, _m, pki, our_server, legacy_row):
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--echo", "--protocol", "ssl3", "--cipher", iana])
    r = nassl(port, pki, openssl)
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % openssl in r.stdout.splitlines(), out
    assert "received: %r" % b"ping over ssl3\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: SSLv3" in srv.output.splitlines(), srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()
    if iana in LEGACY_TABLE_SUITES:
        legacy_row(iana, "SSL 3.0", "our server", NASSL_PEER)


@pytest.mark.parametrize("iana, _o, cipher, mac", SSL3_SUITES, ids=IDS)
def test_our_client_vs_tlslite_sslv3_server(iana, _o, cipher, mac, pki, procs, examples, legacy_row):
    srv, m = procs.start_server([sys.executable, "-u", HERE / "tlslite_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--version", "ssl3", "--cipher", cipher, "--mac", mac],
                                "tlslite server", ready=r"^listening: (\d+)$")
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", "ssl3", "--cipher", iana, "--send", "ping"])
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: SSLv3", "cipher: %s" % iana], out
    assert "ping" in r.stdout.splitlines(), out
    assert srv.wait_for(r"^version: 3\.0$", PEER_TIMEOUT), srv.describe()
    assert srv.wait_for(r"^done$", PEER_TIMEOUT), srv.describe()
    if iana in LEGACY_TABLE_SUITES:
        legacy_row(iana, "SSL 3.0", "our client", TLSLITE_PEER)


def test_ssl3_is_off_by_default(pki, our_server):
    """A server with the default protocols refuses an SSL 3.0-only client."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once"])
    r = nassl(port, pki, "AES128-SHA")
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_UNSUPPORTED_FUNCTION" in srv.output, srv.describe()


def test_default_client_does_not_offer_ssl3(pki, procs, examples):
    srv, m = procs.start_server([sys.executable, "-u", HERE / "tlslite_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--version", "ssl3"],
                                "tlslite server", ready=r"^listening: (\d+)$")
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", "ping"])
    assert r.returncode != 0, r.stdout + r.stderr + srv.describe()
    assert "error:" in r.stdout + r.stderr


# (our IANA name, OpenSSL 1.0.2 name, tlslite cipher or None where tlslite has none, tlslite mac)
LEGACY_SUITES = [
    ("TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA", None, "sha"),
    ("TLS_RSA_WITH_NULL_SHA", "NULL-SHA", "null", "sha"),
    ("TLS_RSA_WITH_NULL_MD5", "NULL-MD5", "null", "md5"),
]


@pytest.mark.parametrize("version, proto", [("SSLV3", "ssl3"), ("TLSV1", "tls1.0")])
@pytest.mark.parametrize("iana, openssl, _c, _m", LEGACY_SUITES, ids=[s[0] for s in LEGACY_SUITES])
def test_our_server_vs_nassl_legacy_suites(iana, openssl, _c, _m, version, proto, pki, our_server, legacy_row):
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--echo", "--protocol", proto, "--cipher", iana])
    r = nassl(port, pki, openssl, version=version, line="legacy suite\n")
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % openssl in r.stdout.splitlines(), out
    assert "received: %r" % b"legacy suite\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "cipher: %s" % iana in srv.output.splitlines(), srv.describe()
    legacy_row(iana, PROTOCOL_NAMES[proto], "our server", NASSL_PEER)


@pytest.mark.parametrize("version", ["ssl3", "tls1.0"])
@pytest.mark.parametrize("iana, _o, cipher, mac", [s for s in LEGACY_SUITES if s[2]], ids=[s[0] for s in LEGACY_SUITES if s[2]])
def test_our_client_vs_tlslite_null_suites(iana, _o, cipher, mac, version, pki, procs, examples, legacy_row):
    srv, m = procs.start_server([sys.executable, "-u", HERE / "tlslite_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--version", version, "--cipher", cipher, "--mac", mac],
                                "tlslite server", ready=r"^listening: (\d+)$")
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", version, "--cipher", iana, "--send", "ping"])
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % iana in r.stdout.splitlines() and "ping" in r.stdout.splitlines(), out
    assert srv.wait_for(r"^done$", PEER_TIMEOUT), srv.describe()
    legacy_row(iana, PROTOCOL_NAMES[version], "our client", TLSLITE_PEER)


def test_legacy_suites_are_off_by_default(pki, our_server):
    """A default server never picks DES or NULL, even when the client offers nothing else."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once"])
    r = nassl(port, pki, "DES-CBC-SHA:NULL-SHA:NULL-MD5", version="TLSV1")
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_ALGORITHM_MISMATCH" in srv.output, srv.describe()
