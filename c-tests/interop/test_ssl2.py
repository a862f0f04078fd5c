"""SSL 2.0 (issue 3), off by default (`--protocol ssl2`, SP_PROT_SSL2_*):

- the server's acceptance of an SSL 2.0-compatible CLIENT-HELLO that offers TLS (RFC 2246
  Appendix E.1), against the legacy OpenSSL 1.0.2 client in nassl, which sends such a hello
  (checked on the wire here) when SSL 2.0 cipher kinds are in its list;
- our SSL 2.0 server against nassl's SSLv2 client, every kind; the version-rollback check of
  RFC 2246 E.2 against nassl behind a man in the middle (relay.py --v2-hello-version);
- our SSL 2.0 client against scapy's TLSServerAutomaton (scapy_ssl2_server.py), every kind but
  DES-64-CBC, which scapy cannot serve (peers.md): that one runs against our own server.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import legacy_table
from helpers import NASSL_CLIENT, TLS_CLIENT, run
from legacy_table import NASSL_PEER, SCAPY_PEER

HERE = Path(__file__).resolve().parent

PEER_TIMEOUT = 10.0
# OpenSSL 1.0.2 SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_1: the client offers TLS 1.0 at most.
NO_TLS11_TLS12 = "0x18000000"


def captured_v2_hello(capture: Path, version: bytes) -> tuple[bytes, list[bytes]]:
    """The client's first bytes as relay.py captured them: checks they are an SSL 2.0-format
    CLIENT-HELLO (2-byte header, type 1) with `version`; returns them and its 3-byte kinds."""
    hello = (capture / "1.c2s").read_bytes()
    assert hello[0] & 0x80 and hello[2] == 1 and hello[3:5] == version, hello[:16].hex()
    specs_len = int.from_bytes(hello[5:7], "big")
    return hello, [hello[11 + i:14 + i] for i in range(0, specs_len, 3)]


def nassl(port: int, pki, cipher: str, version: str, line: str, options: str = "0") -> "object":
    return run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", version, "--cipher", cipher,
                "--cafile", pki / "ca.pem", "--send", line, "--options", options], timeout=30)


def test_v2_compatible_hello_offering_tls10_is_answered_in_tls10(pki, our_server, relay, tmp_path):
    """Our default server (no SSL 2.0) takes nassl's SSL 2.0-format hello that offers TLS 1.0,
    negotiates TLS 1.0 and echoes data."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once", "--echo"])
    rel, rport = relay(port, capture=tmp_path)
    r = nassl(rport, pki, "AES128-SHA:DES-CBC3-MD5", "SSLV23", "v2 hello\n", NO_TLS11_TLS12)
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: AES128-SHA" in r.stdout.splitlines(), out
    assert "received: %r" % b"v2 hello\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: TLSv1.0" in srv.output.splitlines(), srv.describe()
    assert "cipher: TLS_RSA_WITH_AES_128_CBC_SHA" in srv.output.splitlines(), srv.describe()
    rel.wait(PEER_TIMEOUT)
    # The kinds include SSL 2.0's 3DES and the TLS suite.
    _, specs = captured_v2_hello(tmp_path, b"\x03\x01")
    assert b"\x07\x00\xc0" in specs and b"\x00\x00\x2f" in specs, [s.hex() for s in specs]


def test_v2_compatible_hello_without_a_shared_tls_suite_fails_with_handshake_failure(pki, our_server):
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once"])
    r = nassl(port, pki, "RC4-SHA:DES-CBC3-MD5", "SSLV23", "x\n", NO_TLS11_TLS12)
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_ALGORITHM_MISMATCH" in srv.output, srv.describe()


def test_default_server_refuses_an_ssl2_only_client(pki, our_server):
    """SSL 2.0 is off by default: an SSL 2.0 CLIENT-HELLO gets SEC_E_UNSUPPORTED_FUNCTION."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once"])
    r = nassl(port, pki, "RC4-MD5", "SSLV2", "x\n")
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_UNSUPPORTED_FUNCTION" in srv.output, srv.describe()


# (our SSL 2.0 kind name, OpenSSL 1.0.2 name), in Schannel's order.
SSL2_KINDS = [
    ("SSL_CK_RC4_128_WITH_MD5", "RC4-MD5"),
    ("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "DES-CBC3-MD5"),
    ("SSL_CK_RC2_128_CBC_WITH_MD5", "RC2-CBC-MD5"),
    ("SSL_CK_DES_64_CBC_WITH_MD5", "DES-CBC-MD5"),
    ("SSL_CK_RC4_128_EXPORT40_WITH_MD5", "EXP-RC4-MD5"),
]


@pytest.mark.parametrize("kind, openssl", SSL2_KINDS, ids=[k[0] for k in SSL2_KINDS])
def test_our_ssl2_server_vs_nassl_sslv2_client(kind, openssl, pki, our_server, legacy_row):
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--echo", "--protocol", "ssl2", "--cipher", kind])
    r = nassl(port, pki, openssl, "SSLV2", "over ssl2\n")
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert "cipher: %s" % openssl in r.stdout.splitlines(), out
    assert "received: %r" % b"over ssl2\n" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: SSLv2" in srv.output.splitlines(), srv.describe()
    assert "cipher: %s" % kind in srv.output.splitlines(), srv.describe()
    legacy_row(kind, "SSL 2.0", "our server", NASSL_PEER)


def test_ssl2_server_without_a_shared_kind_sends_no_cipher_error(pki, our_server):
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--protocol", "ssl2", "--cipher", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"])
    r = nassl(port, pki, "RC4-MD5", "SSLV2", "x\n")
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_ALGORITHM_MISMATCH" in srv.output, srv.describe()


def test_version_rollback_through_a_mitm_is_detected(pki, our_server, relay):
    """RFC 2246 E.2: a man in the middle rewrites nassl's v2-compatible hello (TLS 1.0) to SSL 2.0;
    our server (SSL 2.0 and TLS 1.0 enabled) answers in SSL 2.0, the client pads its
    CLIENT-MASTER-KEY with eight 0x03 bytes, and the server refuses with SEC_E_DOWNGRADE_DETECTED."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once",
                            "--protocol", "ssl2", "--protocol", "tls1.0"])
    rel, rport = relay(port, v2_hello_version=0x0002)
    # DES-CBC3-MD5 exists only in SSL 2.0; with RC4-MD5 (also an SSL 3.0 name) OpenSSL 1.0.2's
    # SSLv23 client fails in its own SSL 2.0 fallback ("EVP_MD_size: message digest is null").
    r = nassl(rport, pki, "DES-CBC3-MD5:AES128-SHA", "SSLV23", "x\n", NO_TLS11_TLS12)
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    rel.wait(PEER_TIMEOUT)
    assert "rewrote v2 hello version 0301 -> 0002" in rel.output, rel.describe()
    assert "SEC_E_DOWNGRADE_DETECTED" in srv.output, srv.describe()


def test_same_server_without_the_mitm_negotiates_tls(pki, our_server):
    """The control for the rollback test: the same hello, unmodified, gets TLS 1.0."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once",
                            "--echo", "--protocol", "ssl2", "--protocol", "tls1.0"])
    r = nassl(port, pki, "DES-CBC3-MD5:AES128-SHA", "SSLV23", "no mitm\n", NO_TLS11_TLS12)
    assert r.returncode == 0, r.stdout + r.stderr + srv.describe()
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: TLSv1.0" in srv.output.splitlines(), srv.describe()


# scapy serves every kind but SSL_CK_DES_64_CBC_WITH_MD5 (it crashes on it, see peers.md).
SCAPY_KINDS = [k for k, _ in SSL2_KINDS if k != "SSL_CK_DES_64_CBC_WITH_MD5"]


def our_ssl2_client(port: int, pki, kind: str, line: str):
    return run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
                "--cafile", pki / "ca.pem", "--protocol", "ssl2", "--cipher", kind, "--send", line])


@pytest.mark.parametrize("kind", SCAPY_KINDS)
def test_our_ssl2_client_vs_scapy_server(kind, pki, procs, examples, legacy_row):
    srv, m = procs.start_server([sys.executable, "-u", HERE / "scapy_ssl2_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--connections", "1"],
                                "scapy server", ready=r"^listening: (\d+)$", timeout=30)
    r = our_ssl2_client(int(m.group(1)), pki, kind, "ping over ssl2")
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: SSLv2", "cipher: %s" % kind], out
    assert "ping over ssl2" in r.stdout.splitlines(), out
    assert srv.wait_for(r"^> Cipher suite\s*: %s$" % kind, PEER_TIMEOUT), srv.describe()
    assert srv.wait_for(r"^> Received: b'ping over ssl2\\n'$", PEER_TIMEOUT), srv.describe()
    legacy_row(kind, "SSL 2.0", "our client", SCAPY_PEER)


def test_our_ssl2_client_vs_our_server_des64(pki, our_server, legacy_row):
    """No peer here serves SSL_CK_DES_64_CBC_WITH_MD5: our client against our server."""
    kind = "SSL_CK_DES_64_CBC_WITH_MD5"
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--echo", "--protocol", "ssl2", "--cipher", kind])
    r = our_ssl2_client(port, pki, kind, "des64")
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: SSLv2", "cipher: %s" % kind], out
    assert "des64" in r.stdout.splitlines(), out
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "cipher: %s" % kind in srv.output.splitlines(), srv.describe()
    legacy_row(kind, "SSL 2.0", "our client", legacy_table.OURSELVES)


def test_default_client_does_not_speak_ssl2_to_an_ssl2_only_server(pki, our_server):
    """Our default client sends a TLS hello; our server with only SSL 2.0 enabled refuses it with
    SEC_E_UNSUPPORTED_FUNCTION and the client fails: SSL 2.0 is never reached by default."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--protocol", "ssl2"])
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", "x"])
    assert r.returncode != 0, r.stdout + r.stderr + srv.describe()
    assert "protocol: SSLv2" not in r.stdout
    srv.wait(PEER_TIMEOUT)
    assert "SEC_E_UNSUPPORTED_FUNCTION" in srv.output, srv.describe()


def test_our_client_with_ssl2_and_tls10_sends_a_v2_compatible_hello_gnutls_answers_tls(pki, gnutls_server, relay, tmp_path):
    """Windows' behaviour with SSL 2.0 and TLS 1.0 both enabled: an SSL 2.0-compatible hello
    (checked on the wire), and TLS 1.0 when the server (GnuTLS) answers in TLS."""
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", "NORMAL:-VERS-ALL:+VERS-TLS1.0:+RSA")
    rel, rport = relay(port, capture=tmp_path)
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(rport), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", "ssl2", "--protocol", "tls1.0", "--send", "v2 hello to gnutls"])
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[0] == "protocol: TLSv1.0", out
    assert "v2 hello to gnutls" in r.stdout.splitlines(), out
    rel.wait(PEER_TIMEOUT)
    hello, specs = captured_v2_hello(tmp_path, b"\x03\x01")
    assert b"\x01\x00\x80" in specs and b"\x00\x00\xff" in specs, [s.hex() for s in specs]
    assert int.from_bytes(hello[9:11], "big") == 32, "the challenge is our 32-byte client random"


def test_our_client_with_ssl2_and_tls10_follows_scapys_ssl2_answer(pki, procs, examples):
    """The same hello to scapy, which answers SSL 2.0: our client goes on in SSL 2.0."""
    srv, m = procs.start_server([sys.executable, "-u", HERE / "scapy_ssl2_server.py", "--cert", pki / "server.pem",
                                 "--key", pki / "server.key", "--connections", "1"],
                                "scapy server", ready=r"^listening: (\d+)$", timeout=30)
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", "ssl2", "--protocol", "tls1.0",
             "--cipher", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "--cipher", "TLS_RSA_WITH_AES_128_CBC_SHA", "--send", "followed"])
    out = r.stdout + r.stderr + srv.describe()
    assert r.returncode == 0, out
    assert r.stdout.splitlines()[:2] == ["protocol: SSLv2", "cipher: SSL_CK_DES_192_EDE3_CBC_WITH_MD5"], out
    assert srv.wait_for(r"^> Received: b'followed\\n'$", PEER_TIMEOUT), srv.describe()


def test_our_client_and_server_detect_a_rollback_of_our_own_hello(pki, our_server, relay):
    """Our client (SSL 2.0 + TLS 1.0) through the rewriting relay to our server (SSL 2.0 + TLS 1.0):
    the client follows the SSL 2.0 answer with 0x03 padding and the server refuses."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once",
                            "--protocol", "ssl2", "--protocol", "tls1.0"])
    rel, rport = relay(port, v2_hello_version=0x0002)
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(rport), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--protocol", "ssl2", "--protocol", "tls1.0", "--send", "x"])
    assert r.returncode != 0, r.stdout + r.stderr
    srv.wait(PEER_TIMEOUT)
    rel.wait(PEER_TIMEOUT)
    assert "rewrote v2 hello version 0301 -> 0002" in rel.output, rel.describe()
    assert "SEC_E_DOWNGRADE_DETECTED" in srv.output, srv.describe()
