"""Client authentication at SSL 3.0 (issue 3, item 1): our server asks an SSL 3.0 client for a
certificate and checks its CertificateVerify with SSL 3.0's own hash (RFC 6101 §5.6.8); our
client answers an SSL 3.0 CertificateRequest with its certificate and that CertificateVerify,
or with the `no_certificate` warning alert when it has none.

Real peers: the legacy OpenSSL 1.0.2 in nassl as the client (it signs the SSL 3.0 hash with our
server checking it, with an RSA and an ECDSA certificate), tlslite-ng as the server (it checks
our RSA signature and prints the certificate it received).

ECDSA at SSL 3.0 was never specified (RFC 4492 starts at TLS 1.0). We sign and check the SHA-1
half of the hashes, as OpenSSL 1.0.2 does (shown below); tlslite-ng 0.8 instead takes the first
32 bytes of MD5 || SHA-1 and so refuses both OpenSSL's and our ECDSA signature at SSL 3.0: our
client's ECDSA form is tested against our server only (`tests/ssl3_clientauth.rs`,
`c-tests/t_clientauth.c`).
"""

from __future__ import annotations

import hashlib
import ssl
import sys
from pathlib import Path

import pytest

from helpers import NASSL_CLIENT, TLS_CLIENT, run
from legacy_table import NASSL_PEER, TLSLITE_PEER

HERE = Path(__file__).resolve().parent
PEER_TIMEOUT = 10.0
CLIENT_SUBJECT = "O=openschannel tests, CN=openschannel test client"

# (our IANA name, OpenSSL 1.0.2 name, tlslite cipher, tlslite mac): rows of Schannel's table.
SUITES = [
    ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", "3des", "sha"),
    ("TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5", "rc4", "md5"),
]
IDS = [s[0] for s in SUITES]


def start_our_server(our_server, pki: Path, iana: str):
    """Our server at SSL 3.0 only, requiring a client certificate from ca.pem's hierarchy."""
    return our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once", "--echo",
                       "--protocol", "ssl3", "--cipher", iana, "--verify-client", str(pki / "ca.pem")])


def nassl(port: int, pki: Path, cipher: str, *identity: str):
    return run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", "SSLV3", "--cipher", cipher,
                "--cafile", pki / "ca.pem", "--send", "ping with a certificate\n", *identity], timeout=30)


def start_tlslite(procs, pki: Path, cipher: str, mac: str):
    srv, m = procs.start_server([sys.executable, "-u", HERE / "tlslite_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--version", "ssl3", "--cipher", cipher, "--mac", mac,
                                 "--request-cert"], "tlslite server", ready=r"^listening: (\d+)$")
    return srv, m.group(1)


def our_client_args(port: str, pki: Path, iana: str, *identity: str) -> list:
    return [TLS_CLIENT, "--host", "127.0.0.1", "--port", port, "--servername", "localhost", "--cafile",
            pki / "ca.pem", "--protocol", "ssl3", "--cipher", iana, "--send", "ping", *identity]


@pytest.mark.parametrize("iana, openssl, _c, _m", SUITES, ids=IDS)
def test_our_server_verifies_nassl_ssl3_client_certificate(iana, openssl, _c, _m, pki, our_server, legacy_row):
    srv, port = start_our_server(our_server, pki, iana)
    r = nassl(port, pki, openssl, "--cert", str(pki / "client.pem"), "--key", str(pki / "client.key"))
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % openssl in r.stdout.splitlines(), out
    assert "received: %r" % b"ping with a certificate\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    lines = srv.output.splitlines()
    assert "protocol: SSLv3" in lines, srv.describe()
    assert "cipher: %s" % iana in lines, srv.describe()
    # Our server saw and verified OpenSSL 1.0.2's certificate and SSL 3.0 CertificateVerify.
    assert "client: %s" % CLIENT_SUBJECT in lines, srv.describe()
    legacy_row(iana, "SSL 3.0", "our server", NASSL_PEER)


@pytest.fixture
def ec_client(pki: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A P-256 client certificate (clientAuth) issued by the test PKI's root."""
    key, csr, cert, ext = (tmp_path / n for n in ("ec-client.key", "ec-client.csr", "ec-client.pem", "ext.cnf"))
    ext.write_text("extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")
    for cmd in (["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                 "-out", csr, "-subj", "/O=openschannel tests/CN=openschannel ec client"],
                ["openssl", "x509", "-req", "-in", csr, "-CA", pki / "ca.pem", "-CAkey", pki / "ca.key",
                 "-set_serial", "7", "-out", cert, "-days", "2", "-extfile", ext]):
        r = run(cmd)
        assert r.returncode == 0, r.stdout + r.stderr
    return cert, key


def test_our_server_verifies_nassl_ssl3_ecdsa_client_certificate(pki, our_server, ec_client):
    """OpenSSL 1.0.2 signs the SHA-1 half of the SSL 3.0 hashes with its ECDSA key; our server
    checks exactly that."""
    cert, key = ec_client
    srv, port = start_our_server(our_server, pki, "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
    r = nassl(port, pki, "DES-CBC3-SHA", "--cert", str(cert), "--key", str(key))
    assert r.returncode == 0, r.stdout + r.stderr + srv.describe()
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    lines = srv.output.splitlines()
    assert "protocol: SSLv3" in lines, srv.describe()
    assert "client: O=openschannel tests, CN=openschannel ec client" in lines, srv.describe()


def test_our_server_refuses_nassl_ssl3_client_without_certificate(pki, our_server):
    """OpenSSL 1.0.2 without a certificate answers with SSL 3.0's no_certificate warning; our
    server requires one: SEC_E_ALGORITHM_MISMATCH and a handshake_failure alert, as at TLS 1.0
    (a server that did not take the warning for "no certificate" would fail on the
    ClientKeyExchange instead: SEC_E_ILLEGAL_MESSAGE, unexpected_message)."""
    srv, port = start_our_server(our_server, pki, "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
    r = nassl(port, pki, "DES-CBC3-SHA", "--no-client-cert")
    assert r.returncode != 0, r.stdout + r.stderr
    assert srv.wait(PEER_TIMEOUT) == 1, srv.describe()
    lines = srv.output.splitlines()
    assert lines[1:] == ["error: SEC_E_ALGORITHM_MISMATCH (0x80090331)", "alert: 40"], srv.describe()
    assert "handshake failure" in r.stdout + r.stderr, r.stdout + r.stderr + srv.describe()


@pytest.mark.parametrize("iana, _o, cipher, mac", SUITES, ids=IDS)
def test_our_client_certificate_vs_tlslite_ssl3_server(iana, _o, cipher, mac, pki, procs, examples, legacy_row):
    srv, port = start_tlslite(procs, pki, cipher, mac)
    r = run(our_client_args(port, pki, iana, "--cert", pki / "client.pem", "--key", pki / "client.key"))
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines() == ["protocol: SSLv3", "cipher: %s" % iana, "ping"], out
    # tlslite checked our SSL 3.0 CertificateVerify with the key of the certificate it prints.
    leaf = hashlib.sha256(ssl.PEM_cert_to_DER_cert((pki / "client.pem").read_text())).hexdigest()
    assert srv.wait_for(r"^version: 3\.0$", PEER_TIMEOUT), srv.describe()
    assert srv.wait_for(r"^client certificate: %s$" % leaf, PEER_TIMEOUT), srv.describe()
    assert srv.wait_for(r"^done$", PEER_TIMEOUT), srv.describe()
    legacy_row(iana, "SSL 3.0", "our client", TLSLITE_PEER)


def test_our_client_without_certificate_vs_tlslite_ssl3_server(pki, procs, examples):
    """No certificate in the credential: SEC_I_INCOMPLETE_CREDENTIALS, the example goes on
    without one, and tlslite accepts our no_certificate warning in place of a Certificate."""
    srv, port = start_tlslite(procs, pki, "3des", "sha")
    r = run(our_client_args(port, pki, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"))
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines() == ["protocol: SSLv3", "cipher: TLS_RSA_WITH_3DES_EDE_CBC_SHA", "client-auth: none",
                                     "ping"], out
    assert srv.wait_for(r"^client certificate: none$", PEER_TIMEOUT), srv.describe()
    assert srv.wait_for(r"^done$", PEER_TIMEOUT), srv.describe()
