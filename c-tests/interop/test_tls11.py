"""TLS 1.1 (explicit per-record IVs) against OpenSSL 3 and GnuTLS, both directions,
and version negotiation when both ends enable TLS 1.0 and 1.1."""

from __future__ import annotations

import re

import pytest

from helpers import OPENSSL3_SUITES, SUITES

PEER_TIMEOUT = 10.0


def client_args(port, pki, *extra):
    return ["--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
            "--cafile", str(pki / "ca.pem"), *extra]


@pytest.mark.parametrize("suite", OPENSSL3_SUITES, ids=str)
def test_client_vs_openssl_s_server_tls11(suite, pki, procs, our_client):
    p, m = procs.start_server(["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / "server.pem",
                               "-key", pki / "server.key", "-tls1_1", "-cipher", suite.openssl_cipher_arg,
                               "-rev", "-msg"], "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    r = our_client(client_args(m.group(1), pki, "--protocol", "tls1.1", "--cipher", suite.iana, "--send", "eleven"))
    assert r.returncode == 0, r.stdout + r.stderr + p.describe()
    assert r.stdout.splitlines()[:2] == ["protocol: TLSv1.1", "cipher: %s" % suite.iana], r.stdout
    assert "nevele" in r.stdout.splitlines(), r.stdout
    assert p.wait_for(r"^Protocol version: TLSv1\.1$", 5), p.describe()


@pytest.mark.parametrize("suite", OPENSSL3_SUITES, ids=str)
def test_server_vs_openssl_s_client_tls11(suite, pki, procs, our_server):
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once", "--echo",
                            "--protocol", "tls1.1", "--protocol", "tls1.0", "--cipher", suite.iana])
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_1", "-cipher",
                       suite.openssl_cipher_arg, "-CAfile", pki / "ca.pem", "-verify_return_error"],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"hello over 1.1\n")
    assert cli.wait_for(r"^hello over 1\.1$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert re.search(r"^\s*Protocol\s*: TLSv1\.1$", cli.output, re.M), cli.describe()
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: TLSv1.1" in srv.output.splitlines(), srv.describe()


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_client_vs_gnutls_serv_tls11(suite, pki, gnutls_server, our_client):
    priority = suite.gnutls_priority.replace("+VERS-TLS1.0", "+VERS-TLS1.1")
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", priority)
    r = our_client(client_args(port, pki, "--protocol", "tls1.1", "--protocol", "tls1.0", "--cipher", suite.iana,
                               "--send", "ping11"))
    assert r.returncode == 0, r.stdout + r.stderr + srv.describe()
    assert r.stdout.splitlines()[:2] == ["protocol: TLSv1.1", "cipher: %s" % suite.iana], r.stdout
    assert "ping11" in r.stdout.splitlines(), r.stdout


def test_negotiates_down_to_tls10(pki, procs, our_client):
    # Our client offers 1.1 and 1.0; a TLS 1.0-only OpenSSL server gets TLS 1.0.
    p, m = procs.start_server(["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / "server.pem",
                               "-key", pki / "server.key", "-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0", "-rev"],
                              "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    r = our_client(client_args(m.group(1), pki, "--protocol", "tls1.1", "--protocol", "tls1.0", "--send", "down"))
    assert r.returncode == 0, r.stdout + r.stderr + p.describe()
    assert r.stdout.splitlines()[0] == "protocol: TLSv1.0", r.stdout
