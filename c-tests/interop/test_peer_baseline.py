"""Baseline: the peers, driven exactly as test_interop.py drives them, agree
with each other. When an interop test fails and the matching baseline passes,
the fault is on our side; when the baseline fails too, the machine's peers
changed (packages, crypto policy) and the interop result means nothing.

These tests need no libopenschannel and take about two seconds.
"""

from __future__ import annotations

import re
import sys

import pytest

from helpers import NASSL_CLIENT, OPENSSL3_SUITES, SUITES, run

PEER_TIMEOUT = 10.0


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_gnutls_cli_vs_gnutls_serv(suite, pki, procs, gnutls_server):
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", suite.gnutls_priority)
    cli = procs.start(["gnutls-cli", "--x509cafile", pki / "ca.pem", "-p", str(port),
                       "--priority", suite.gnutls_priority, "127.0.0.1"], "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), cli.describe()
    cli.send(b"ping from gnutls-cli\n")
    assert cli.wait_for(r"^ping from gnutls-cli$", PEER_TIMEOUT), cli.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert "- Description: %s" % suite.gnutls_description in cli.output, cli.describe()
    assert srv.wait_for(re.escape("- Description: %s" % suite.gnutls_description), 5), \
        srv.describe()


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_nassl_vs_gnutls_serv(suite, pki, gnutls_server):
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", suite.gnutls_priority)
    r = run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", "TLSV1",
             "--cipher", suite.openssl, "--cafile", pki / "ca.pem", "--servername", "localhost",
             "--send", "ping from nassl\n"], timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr + srv.describe()
    assert r.stdout.splitlines() == ["cipher: %s" % suite.openssl,
                                     "received: b'ping from nassl\\n'", "shutdown: ok"]


@pytest.mark.parametrize("suite", OPENSSL3_SUITES, ids=str)
def test_s_client_vs_s_server(suite, pki, procs, openssl_server):
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", suite.openssl_cipher_arg)
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
                       "-cipher", suite.openssl_cipher_arg, "-CAfile", pki / "ca.pem",
                       "-servername", "localhost", "-verify_hostname", "localhost",
                       "-verify_return_error"],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe()
    cli.send(b"ping\n")
    assert cli.wait_for(r"^gnip$", PEER_TIMEOUT), cli.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert re.search(r"Cipher is %s$" % re.escape(suite.openssl), cli.output, re.M), cli.describe()
    assert re.search(r"^\s*Protocol\s*: TLSv1$", cli.output, re.M), cli.describe()
    assert srv.wait_for(r"^<<< TLS 1\.0, Alert \[length 0002\], warning close_notify$", 5), \
        srv.describe()
    assert srv.wait_for(r"^CONNECTION CLOSED$", 5), srv.describe()


@pytest.mark.parametrize("cert,alert,alert_text", [
    ("untrusted", 48, "unknown ca"),
    ("expired", 45, "certificate expired"),
    ("wrongname", 42, "bad certificate"),
])
def test_s_client_rejects_bad_certs(cert, alert, alert_text, pki, openssl_server):
    """The PKI's bad certificates are bad for OpenSSL too, with the alerts
    test_cert_failures expects from our client."""
    suite = OPENSSL3_SUITES[0]
    srv, port = openssl_server(pki / ("%s.pem" % cert), pki / "server.key", suite.openssl_cipher_arg)
    r = run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
             "-cipher", suite.openssl_cipher_arg, "-CAfile", pki / "ca.pem",
             "-servername", "localhost", "-verify_hostname", "localhost",
             "-verify_return_error"], timeout=PEER_TIMEOUT)
    assert r.returncode == 1, r.stdout + r.stderr
    assert srv.wait_for(r"alert %s:.*SSL alert number %d$" % (re.escape(alert_text), alert), 5), \
        srv.describe()


def test_s_client_verifies_intermediate_chain(pki, procs, openssl_server):
    suite = OPENSSL3_SUITES[0]
    srv, port = openssl_server(pki / "server-int.pem", pki / "server.key", suite.openssl_cipher_arg,
                               extra=["-cert_chain", pki / "int.pem"])
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
                       "-cipher", suite.openssl_cipher_arg, "-CAfile", pki / "ca.pem",
                       "-servername", "localhost", "-verify_hostname", "localhost",
                       "-verify_return_error", "-showcerts"],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe()
    assert re.search(r"^ 1 s:.*CN ?= ?openschannel test intermediate CA", cli.output, re.M), \
        cli.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
