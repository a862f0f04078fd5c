"""Interop tests: examples-c/tls-client and tls-server (libopenschannel)
against GnuTLS, OpenSSL 3 and the legacy OpenSSL 1.0.2 client in nassl.

Everything runs on 127.0.0.1 with TLS 1.0 and RSA key exchange, over the five
suites of the first engine milestone. OpenSSL 3 (Debian build) has no 3DES or
RC4, so it only covers the AES suites; GnuTLS and nassl cover all five.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from helpers import NASSL_CLIENT, OPENSSL3_SUITES, SUITES, Proc, run
from legacy_table import NASSL_PEER, TLS_SUITES as LEGACY_TABLE_SUITES

PEER_TIMEOUT = 10.0  # seconds to wait for a peer to answer or exit


def explain(r: subprocess.CompletedProcess, *peers: Proc) -> str:
    """Everything worth seeing when an assertion fails."""
    text = "tls-client rc=%s\n--- stdout ---\n%s--- stderr ---\n%s" % (
        r.returncode, r.stdout, r.stderr)
    for p in peers:
        text += "\n" + p.describe()
    return text


def client_args(port: int, pki, *extra: str) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
            "--cafile", str(pki / "ca.pem"), *extra]


def server_args(pki, suite_iana: str, cert: str = "server.pem", *extra: str) -> list[str]:
    return ["--cert", str(pki / cert), "--key", str(pki / "server.key"), "--once", "--echo",
            "--protocol", "tls1.0", "--cipher", suite_iana, *extra]


def assert_server_reported(srv: Proc, suite_iana: str) -> None:
    """Our tls-server --once printed the negotiated parameters and exited 0."""
    rc = srv.wait(PEER_TIMEOUT)
    assert rc == 0, srv.describe()
    lines = srv.output.splitlines()
    assert "protocol: TLSv1.0" in lines, srv.describe()
    assert "cipher: %s" % suite_iana in lines, srv.describe()
    assert not any(l.startswith("error:") for l in lines), srv.describe()


# --- our client against real servers -------------------------------------------------


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_client_vs_gnutls_serv(suite, pki, gnutls_server, our_client, legacy_row):
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", suite.gnutls_priority)
    r = our_client(client_args(port, pki, "--protocol", "tls1.0", "--cipher", suite.iana,
                               "--send", "ping"))
    assert r.returncode == 0, explain(r, srv)
    # gnutls-serv --echo sends the line back unchanged.
    assert r.stdout.splitlines() == ["protocol: TLSv1.0", "cipher: %s" % suite.iana, "ping"], \
        explain(r, srv)
    assert srv.wait_for(re.escape("- Description: %s" % suite.gnutls_description), 5), \
        explain(r, srv)
    # Our client ended with close_notify (gnutls-serv -d 5 logs alerts).
    assert srv.wait_for(r"Alert\[1\|0\] - Close notify - was received", 5), explain(r, srv)
    if suite.iana in LEGACY_TABLE_SUITES:
        legacy_row(suite.iana, "TLS 1.0", "our client", "GnuTLS 3.7 gnutls-serv")


@pytest.mark.parametrize("suite", OPENSSL3_SUITES, ids=str)
def test_client_vs_openssl_s_server(suite, pki, openssl_server, our_client):
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", suite.openssl_cipher_arg)
    r = our_client(client_args(port, pki, "--protocol", "tls1.0", "--cipher", suite.iana,
                               "--send", "ping"))
    assert r.returncode == 0, explain(r, srv)
    # s_server -rev answers each line reversed.
    assert r.stdout.splitlines() == ["protocol: TLSv1.0", "cipher: %s" % suite.iana, "gnip"], \
        explain(r, srv)
    assert srv.wait_for(r"^Protocol version: TLSv1$", 5), explain(r, srv)
    assert srv.wait_for(r"^Ciphersuite: %s$" % re.escape(suite.openssl), 5), explain(r, srv)
    # Our client ended with close_notify, which s_server -msg logs on receipt.
    assert srv.wait_for(r"^<<< TLS 1\.0, Alert \[length 0002\], warning close_notify$", 5), \
        explain(r, srv)
    assert srv.wait_for(r"^CONNECTION CLOSED$", 5), explain(r, srv)


# --- real clients against our server -------------------------------------------------


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_server_vs_gnutls_cli(suite, pki, procs, our_server, legacy_row):
    srv, port = our_server(server_args(pki, suite.iana))
    cli = procs.start(["gnutls-cli", "--x509cafile", pki / "ca.pem", "-p", str(port),
                       "--priority", suite.gnutls_priority, "127.0.0.1"],
                      "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"ping from gnutls-cli\n")
    assert cli.wait_for(r"^ping from gnutls-cli$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()  # gnutls-cli sends close_notify and exits
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert "- Description: %s" % suite.gnutls_description in cli.output, cli.describe()
    assert "- Status: The certificate is trusted." in cli.output, cli.describe()
    assert_server_reported(srv, suite.iana)
    if suite.iana in LEGACY_TABLE_SUITES:
        legacy_row(suite.iana, "TLS 1.0", "our server", "GnuTLS 3.7 gnutls-cli")


@pytest.mark.parametrize("suite", OPENSSL3_SUITES, ids=str)
def test_server_vs_openssl_s_client(suite, pki, procs, our_server):
    srv, port = our_server(server_args(pki, suite.iana))
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
                       "-cipher", suite.openssl_cipher_arg, "-CAfile", pki / "ca.pem",
                       "-servername", "localhost", "-verify_hostname", "localhost",
                       # No -legacy_server_connect: OpenSSL 3 requires RFC 5746
                       # renegotiation_info from the server, and so do we.
                       "-verify_return_error"],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"ping from s_client\n")
    assert cli.wait_for(r"^ping from s_client$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()  # s_client prints DONE, sends close_notify and exits
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    out = cli.output
    # "Cipher is" names the suite; the session block names the protocol.
    assert re.search(r"Cipher is %s$" % re.escape(suite.openssl), out, re.M), cli.describe()
    assert re.search(r"^\s*Protocol\s*: TLSv1$", out, re.M), cli.describe()
    assert "Secure Renegotiation IS supported" in out, cli.describe()
    assert_server_reported(srv, suite.iana)


@pytest.mark.parametrize("suite", SUITES, ids=str)
def test_server_vs_nassl_legacy_client(suite, pki, our_server, legacy_row):
    srv, port = our_server(server_args(pki, suite.iana))
    # A separate process: nassl can block forever inside OpenSSL.
    r = run([sys.executable, NASSL_CLIENT, "--port", str(port), "--version", "TLSV1",
             "--cipher", suite.openssl, "--cafile", pki / "ca.pem", "--servername", "localhost",
             "--send", "ping from nassl\n"], timeout=30)
    assert r.returncode == 0, explain(r, srv)
    lines = r.stdout.splitlines()
    assert "cipher: %s" % suite.openssl in lines, explain(r, srv)
    assert "received: b'ping from nassl\\n'" in lines, explain(r, srv)
    assert "shutdown: ok" in lines, explain(r, srv)
    assert_server_reported(srv, suite.iana)
    if suite.iana in LEGACY_TABLE_SUITES:
        legacy_row(suite.iana, "TLS 1.0", "our server", NASSL_PEER)


@pytest.mark.parametrize("how", ["chain-file", "cert-bundle"])
def test_server_chain_vs_openssl_s_client(how, pki, procs, our_server):
    """A leaf signed by an intermediate: the server must send the intermediate
    (from --chain, or from the certificate file after the leaf)."""
    suite = OPENSSL3_SUITES[0]
    if how == "chain-file":
        args = server_args(pki, suite.iana, "server-int.pem", "--chain", str(pki / "int.pem"))
    else:
        args = server_args(pki, suite.iana, "chain.pem")
    srv, port = our_server(args)
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
                       "-cipher", suite.openssl_cipher_arg, "-CAfile", pki / "ca.pem",
                       "-servername", "localhost", "-verify_hostname", "localhost",
                       "-verify_return_error", "-showcerts"],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    assert re.search(r"^ 1 s:.*CN ?= ?openschannel test intermediate CA", cli.output, re.M), \
        cli.describe()
    cli.send(b"chain\n")
    assert cli.wait_for(r"^chain$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert_server_reported(srv, suite.iana)


# --- certificate validation in our client --------------------------------------------

CERT_FAILURES = [
    # (certificate, status our client prints, its value, alert it sends, s_server's text)
    ("untrusted", "SEC_E_UNTRUSTED_ROOT", 0x80090325, 48, "unknown ca"),
    ("expired", "SEC_E_CERT_EXPIRED", 0x80090328, 45, "certificate expired"),
    ("wrongname", "SEC_E_WRONG_PRINCIPAL", 0x80090322, 42, "bad certificate"),
]


@pytest.mark.parametrize("cert,status,value,alert,alert_text", CERT_FAILURES,
                         ids=[c[0] for c in CERT_FAILURES])
def test_cert_failures(cert, status, value, alert, alert_text, pki, openssl_server, our_client):
    suite = OPENSSL3_SUITES[0]
    srv, port = openssl_server(pki / ("%s.pem" % cert), pki / "server.key",
                               suite.openssl_cipher_arg)
    r = our_client(client_args(port, pki, "--protocol", "tls1.0", "--cipher", suite.iana,
                               "--send", "ping"))
    assert r.returncode == 1, explain(r, srv)
    lines = r.stdout.splitlines()
    assert "error: %s (0x%08x)" % (status, value) in lines, explain(r, srv)
    assert "alert: %d" % alert in lines, explain(r, srv)
    assert not any(l.startswith(("protocol:", "cipher:")) for l in lines), explain(r, srv)
    # The peer got the alert: OpenSSL logs "...:sslv3 alert certificate expired:...:SSL alert number 45".
    assert srv.wait_for(r"alert %s:.*SSL alert number %d$" % (re.escape(alert_text), alert), 5), \
        explain(r, srv)


def test_insecure_accepts_untrusted(pki, openssl_server, our_client):
    suite = OPENSSL3_SUITES[0]
    srv, port = openssl_server(pki / "untrusted.pem", pki / "server.key", suite.openssl_cipher_arg)
    r = our_client(client_args(port, pki, "--protocol", "tls1.0", "--cipher", suite.iana,
                               "--insecure", "--send", "ping"))
    assert r.returncode == 0, explain(r, srv)
    assert r.stdout.splitlines() == ["protocol: TLSv1.0", "cipher: %s" % suite.iana, "gnip"], \
        explain(r, srv)


# --- command line ----------------------------------------------------------------------


def test_client_unknown_cipher(our_client):
    r = our_client(["--host", "127.0.0.1", "--port", "1", "--cipher", "TLS_NO_SUCH_SUITE"])
    assert r.returncode == 2, explain(r)
    assert r.stdout.splitlines() == ["error: unknown cipher TLS_NO_SUCH_SUITE"], explain(r)
