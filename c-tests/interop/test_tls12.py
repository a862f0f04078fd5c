"""TLS 1.2 interop: examples-c/tls-client and tls-server against OpenSSL 3 (s_server,
s_client), GnuTLS 3.7 (gnutls-serv, gnutls-cli), Python's ssl module (py_tls_peer.py) and
curl, with the library's default protocols (grbitEnabledProtocols 0: TLS 1.2, 1.1, 1.0).

- our client against each server, once per suite family (ECDHE-RSA with AES-GCM and
  ChaCha20-Poly1305, ECDHE-ECDSA with an ECDSA certificate, DHE-RSA, RSA key exchange,
  SHA-256 CBC, SHA-1 CBC) and with the server's own choice; SNI as the server saw it;
- our server against each client, ALPN read from the peer's own output;
- version negotiation down to TLS 1.1 / 1.0 with restricted peers, and TLS_FALLBACK_SCSV
  (RFC 7507) in both directions.

Every server listens on 127.0.0.1 (port 0, or a free port for gnutls-serv) and is stopped by
PID; every command is bounded by a timeout.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import Proc, run

HERE = Path(__file__).resolve().parent
PY_PEER = HERE / "py_tls_peer.py"
PEER_TIMEOUT = 10.0
# gnutls-serv / gnutls-cli limited to TLS 1.2 and below.
GNUTLS_TLS12 = "NORMAL:-VERS-TLS1.3"


@dataclasses.dataclass(frozen=True)
class Suite12:
    iana: str
    openssl: str  # OpenSSL name
    gnutls_kx: str  # GnuTLS priority keywords
    gnutls_cipher: str
    gnutls_mac: str
    ecdsa: bool = False  # needs the ECDSA certificate

    def __str__(self) -> str:
        return self.iana

    @property
    def gnutls_priority(self) -> str:
        return "%s:-CIPHER-ALL:+%s:-MAC-ALL:+%s:-KX-ALL:+%s" % (
            GNUTLS_TLS12, self.gnutls_cipher, self.gnutls_mac, self.gnutls_kx)


SUITES12 = [
    Suite12("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA", "AES-128-GCM", "AEAD"),
    Suite12("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA", "AES-256-GCM", "AEAD"),
    Suite12("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA",
            "CHACHA20-POLY1305", "AEAD"),
    Suite12("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA", "AES-128-GCM",
            "AEAD", ecdsa=True),
    Suite12("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA", "AES-128-GCM", "AEAD"),
    Suite12("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", "RSA", "AES-128-GCM", "AEAD"),
    Suite12("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA", "AES-128-CBC", "SHA256"),
    Suite12("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", "ECDHE-RSA", "AES-256-CBC", "SHA1"),
]
# None: no suite restriction anywhere, the server picks from our default offer.
CASES = SUITES12 + [None]
CASE_IDS = [str(s) for s in SUITES12] + ["server-default"]


@functools.lru_cache(maxsize=1)
def iana_of_openssl() -> dict[str, str]:
    """OpenSSL suite name -> IANA name, from `openssl ciphers -stdname`."""
    r = run(["openssl", "ciphers", "-stdname", "ALL:@SECLEVEL=0"])
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^(\S+)\s+-\s+(\S+)\s", line)
        if m:
            out[m.group(2)] = m.group(1)
    return out


def explain(r: subprocess.CompletedProcess, *peers: Proc) -> str:
    text = "rc=%s\n--- stdout ---\n%s--- stderr ---\n%s" % (r.returncode, r.stdout, r.stderr)
    for p in peers:
        text += "\n" + p.describe()
    return text


def certs(pki: Path, ecdsa: bool) -> tuple[Path, Path]:
    return (pki / "server-ecdsa.pem", pki / "server-ecdsa.key") if ecdsa else (pki / "server.pem", pki / "server.key")


def client_args(port: int, pki: Path, *extra: str) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
            "--cafile", str(pki / "ca.pem"), *extra]


def cipher_args(suite) -> list[str]:
    return ["--cipher", suite.iana] if suite else []


def our_lines(r: subprocess.CompletedProcess) -> list[str]:
    return r.stdout.splitlines()


@pytest.fixture(scope="session")
def dhparam(pki) -> Path:
    """RFC 7919 ffdhe2048 parameters (instant, unlike `openssl dhparam`) for Python's server."""
    out = pki / "ffdhe2048.pem"
    if not out.exists():
        r = run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", out])
        assert r.returncode == 0, r.stderr
    return out


def start_s_server(procs, pki, *extra, ecdsa=False) -> tuple[Proc, int]:
    cert, key = certs(pki, ecdsa)
    # stdbuf: the SNI and ALPN reports go to a buffered stream that is otherwise only
    # flushed when s_server exits.
    cmd = ["stdbuf", "-oL", "-eL", "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key,
           "-rev", *extra]
    p, m = procs.start_server(cmd, "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    return p, int(m.group(1))


def start_py_server(procs, pki, *extra, ecdsa=False) -> tuple[Proc, int]:
    cert, key = certs(pki, ecdsa)
    cmd = [sys.executable, "-u", PY_PEER, "server", "--cert", cert, "--key", key, *extra]
    p, m = procs.start_server(cmd, "python ssl server", ready=r"^listening: (\d+)$")
    return p, int(m.group(1))


# --- our client against real servers, per suite family ---------------------------------


@pytest.mark.parametrize("suite", CASES, ids=CASE_IDS)
def test_client_vs_openssl_s_server_tls12(suite, pki, procs, our_client):
    extra = ["-no_tls1_3", *(["-cipher", suite.openssl] if suite else [])]
    srv, port = start_s_server(procs, pki, *extra, ecdsa=bool(suite and suite.ecdsa))
    r = our_client(client_args(port, pki, *cipher_args(suite), "--send", "ping12"))
    assert r.returncode == 0, explain(r, srv)
    lines = our_lines(r)
    assert lines[0] == "protocol: TLSv1.2", explain(r, srv)
    m = srv.wait_for(r"^Ciphersuite: (\S+)$", 5)
    assert m, explain(r, srv)
    assert lines[1] == "cipher: %s" % iana_of_openssl()[m.group(1)], explain(r, srv)
    if suite:
        assert m.group(1) == suite.openssl and lines[1] == "cipher: %s" % suite.iana, explain(r, srv)
    assert "21gnip" in lines, explain(r, srv)
    assert srv.wait_for(r"^Protocol version: TLSv1\.2$", 5), explain(r, srv)
    assert srv.wait_for(r"^CONNECTION CLOSED$", 5), explain(r, srv)


@pytest.mark.parametrize("suite", CASES, ids=CASE_IDS)
def test_client_vs_gnutls_serv_tls12(suite, pki, gnutls_server, our_client):
    cert, key = certs(pki, bool(suite and suite.ecdsa))
    srv, port = gnutls_server(cert, key, suite.gnutls_priority if suite else GNUTLS_TLS12)
    r = our_client(client_args(port, pki, *cipher_args(suite), "--send", "ping12"))
    assert r.returncode == 0, explain(r, srv)
    lines = our_lines(r)
    assert lines[0] == "protocol: TLSv1.2", explain(r, srv)
    assert lines[1].startswith("cipher: TLS_"), explain(r, srv)
    if suite:
        assert lines[1] == "cipher: %s" % suite.iana, explain(r, srv)
        assert srv.wait_for(r"- Description: \(TLS1\.2-X\.509\)-.*-\(%s\)" % re.escape(suite.gnutls_cipher), 5), \
            explain(r, srv)
    else:
        assert srv.wait_for(r"- Description: \(TLS1\.2-X\.509\)-", 5), explain(r, srv)
    assert "ping12" in lines, explain(r, srv)
    assert srv.wait_for(r"Alert\[1\|0\] - Close notify - was received", 5), explain(r, srv)


@pytest.mark.parametrize("suite", CASES, ids=CASE_IDS)
def test_client_vs_python_server_tls12(suite, pki, procs, our_client, dhparam):
    extra = ["--max", "1.2", "--dhparam", str(dhparam), *(["--cipher", suite.openssl] if suite else [])]
    srv, port = start_py_server(procs, pki, *extra, ecdsa=bool(suite and suite.ecdsa))
    r = our_client(client_args(port, pki, *cipher_args(suite), "--send", "ping12"))
    assert r.returncode == 0, explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, explain(r, srv)
    lines, peer = our_lines(r), srv.output.splitlines()
    assert lines[0] == "protocol: TLSv1.2", explain(r, srv)
    assert "version: TLSv1.2" in peer, explain(r, srv)
    m = re.search(r"^cipher: (\S+)$", srv.output, re.M)
    assert m and lines[1] == "cipher: %s" % iana_of_openssl()[m.group(1)], explain(r, srv)
    if suite:
        assert m.group(1) == suite.openssl, explain(r, srv)
    assert "ping12" in lines, explain(r, srv)
    # SNI: the server's sni_callback saw the name we passed as pszTargetName.
    assert "sni: localhost" in peer, explain(r, srv)


def test_client_sni_vs_openssl_s_server(pki, procs, our_client):
    srv, port = start_s_server(procs, pki, "-no_tls1_3", "-servername", "localhost",
                               "-cert2", str(pki / "server.pem"), "-key2", str(pki / "server.key"))
    r = our_client(client_args(port, pki, "--send", "sni"))
    assert r.returncode == 0, explain(r, srv)
    assert srv.wait_for(r'^Hostname in TLS extension: "localhost"$', 5), explain(r, srv)


# --- ALPN, our client -----------------------------------------------------------------


def test_client_alpn_vs_openssl_s_server(pki, procs, our_client):
    srv, port = start_s_server(procs, pki, "-no_tls1_3", "-alpn", "h2,http/1.1")
    r = our_client(client_args(port, pki, "--alpn", "h2,http/1.1", "--send", "alpn"))
    assert r.returncode == 0, explain(r, srv)
    lines = our_lines(r)
    assert lines[0] == "protocol: TLSv1.2" and lines[2] == "alpn: h2", explain(r, srv)
    assert srv.wait_for(r"^ALPN protocols selected: h2$", 5), explain(r, srv)


def test_client_alpn_vs_gnutls_serv(pki, gnutls_server, our_client):
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", GNUTLS_TLS12,
                              extra=["--alpn", "h2", "--alpn", "http/1.1"])
    r = our_client(client_args(port, pki, "--alpn", "h2,http/1.1", "--send", "alpn"))
    assert r.returncode == 0, explain(r, srv)
    assert "alpn: h2" in our_lines(r), explain(r, srv)


def test_client_alpn_vs_python_server(pki, procs, our_client):
    srv, port = start_py_server(procs, pki, "--max", "1.2", "--alpn", "h2,http/1.1")
    r = our_client(client_args(port, pki, "--alpn", "h2,http/1.1", "--send", "alpn"))
    assert r.returncode == 0, explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, explain(r, srv)
    assert "alpn: h2" in our_lines(r), explain(r, srv)
    assert "alpn: h2" in srv.output.splitlines(), explain(r, srv)


def test_client_alpn_no_overlap_vs_python_server(pki, procs, our_client):
    # OpenSSL servers ignore a client list they share nothing with (no alert): nothing agreed.
    srv, port = start_py_server(procs, pki, "--max", "1.2", "--alpn", "h2")
    r = our_client(client_args(port, pki, "--alpn", "spdy/3", "--send", "alpn"))
    assert r.returncode == 0, explain(r, srv)
    assert "alpn: none" in our_lines(r), explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 0 and "alpn: none" in srv.output.splitlines(), explain(r, srv)


# --- real clients against our server --------------------------------------------------


def our_server_args(pki, suite=None, *extra: str) -> list[str]:
    cert, key = certs(pki, bool(suite and suite.ecdsa))
    return ["--cert", str(cert), "--key", str(key), "--once", "--echo", *cipher_args(suite), *extra]


def assert_our_server(srv: Proc, suite=None, alpn=None) -> None:
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    lines = srv.output.splitlines()
    assert "protocol: TLSv1.2" in lines, srv.describe()
    if suite:
        assert "cipher: %s" % suite.iana in lines, srv.describe()
    if alpn:
        assert "alpn: %s" % alpn in lines, srv.describe()
    assert not any(l.startswith("error:") for l in lines), srv.describe()


def s_client(procs, port, pki, *extra) -> Proc:
    return procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile", pki / "ca.pem",
                        "-servername", "localhost", "-verify_hostname", "localhost", "-verify_return_error",
                        *extra], "openssl s_client", stdin=True)


@pytest.mark.parametrize("suite", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("how", ["no_tls1_3", "max_tls1_2"])
def test_server_vs_openssl_s_client_tls12(how, suite, pki, procs, our_server):
    srv, port = our_server(our_server_args(pki, suite))
    versions = ["-no_tls1_3"] if how == "no_tls1_3" else []
    cli = s_client(procs, port, pki, *versions, *(["-cipher", suite.openssl] if suite else []))
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"ping from s_client\n")
    assert cli.wait_for(r"^ping from s_client$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert re.search(r"^\s*Protocol\s*: TLSv1\.2$", cli.output, re.M), cli.describe()
    m = re.search(r"^\s*Cipher\s*: (\S+)$", cli.output, re.M)
    assert m, cli.describe()
    if suite:
        assert m.group(1) == suite.openssl, cli.describe()
    assert "Secure Renegotiation IS supported" in cli.output, cli.describe()
    assert_our_server(srv, suite)
    assert "cipher: %s" % iana_of_openssl()[m.group(1)] in srv.output.splitlines(), srv.describe()


def test_server_alpn_vs_openssl_s_client(pki, procs, our_server):
    srv, port = our_server(our_server_args(pki, None, "--alpn", "h2,http/1.1"))
    cli = s_client(procs, port, pki, "-no_tls1_3", "-alpn", "h2,http/1.1")
    assert cli.wait_for(r"^ALPN protocol: h2$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"alpn\n")
    assert cli.wait_for(r"^alpn$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert_our_server(srv, alpn="h2")


def test_server_alpn_mismatch_vs_openssl_s_client(pki, procs, our_server):
    srv, port = our_server(our_server_args(pki, None, "--alpn", "h2"))
    cli = s_client(procs, port, pki, "-no_tls1_3", "-alpn", "spdy/3")
    assert cli.wait(PEER_TIMEOUT) not in (None, 0), cli.describe() + srv.describe()
    assert re.search(r"alert no application protocol", cli.output), cli.describe()
    assert srv.wait(PEER_TIMEOUT) == 1, srv.describe()
    lines = srv.output.splitlines()
    assert "error: SEC_E_APPLICATION_PROTOCOL_MISMATCH (0x80090367)" in lines, srv.describe()
    assert "alert: 120" in lines, srv.describe()


def test_server_vs_gnutls_cli_tls12(pki, procs, our_server):
    srv, port = our_server(our_server_args(pki, None, "--alpn", "h2,http/1.1"))
    cli = procs.start(["gnutls-cli", "--x509cafile", pki / "ca.pem", "-p", str(port), "--priority", GNUTLS_TLS12,
                       "--alpn", "h2", "--alpn", "http/1.1", "localhost"], "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"ping from gnutls-cli\n")
    assert cli.wait_for(r"^ping from gnutls-cli$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert re.search(r"^- Description: \(TLS1\.2-X\.509\)-", cli.output, re.M), cli.describe()
    assert re.search(r"^- Application protocol: h2$", cli.output, re.M), cli.describe()
    assert "- Status: The certificate is trusted." in cli.output, cli.describe()
    assert_our_server(srv, alpn="h2")


def test_server_vs_python_client_tls12(pki, our_server):
    srv, port = our_server(our_server_args(pki, None, "--alpn", "h2,http/1.1"))
    r = run([sys.executable, PY_PEER, "client", "--port", str(port), "--cafile", pki / "ca.pem",
             "--max", "1.2", "--alpn", "http/1.1,h2", "--send", "ping from python"], timeout=30)
    assert r.returncode == 0, explain(r, srv)
    lines = r.stdout.splitlines()
    assert "version: TLSv1.2" in lines, explain(r, srv)
    # Our server's preference order decides.
    assert "alpn: h2" in lines, explain(r, srv)
    assert "received: ping from python" in lines, explain(r, srv)
    assert_our_server(srv, alpn="h2")


def test_server_vs_curl_tls12(pki, our_server):
    # HTTP mode; http/1.1 only, since the server speaks no HTTP/2.
    cert, key = certs(pki, False)
    srv, port = our_server(["--cert", str(cert), "--key", str(key), "--once", "--alpn", "http/1.1"])
    r = run(["curl", "--silent", "--show-error", "--verbose", "--max-time", "10", "--tlsv1.2", "--tls-max", "1.2",
             "--cacert", pki / "ca.pem", "--resolve", "localhost:%d:127.0.0.1" % port,
             "https://localhost:%d/" % port], timeout=20)
    assert r.returncode == 0, explain(r, srv)
    assert r.stdout == "hello from openschannel\n", explain(r, srv)
    assert re.search(r"SSL connection using TLSv1\.2 / ", r.stderr), explain(r, srv)
    assert re.search(r"ALPN: server accepted http/1\.1", r.stderr), explain(r, srv)
    assert_our_server(srv, alpn="http/1.1")


# --- version negotiation and TLS_FALLBACK_SCSV -----------------------------------------

# (s_server/s_client flag, our name, py_tls_peer.py --max, Python's name)
OLD = [("tls1_1", "TLSv1.1", "1.1", "TLSv1.1"), ("tls1", "TLSv1.0", "1.0", "TLSv1")]


@pytest.mark.parametrize("flag,name,py,py_name", OLD, ids=[o[1] for o in OLD])
def test_default_client_negotiates_down(flag, name, py, py_name, pki, procs, our_client):
    srv, port = start_s_server(procs, pki, "-" + flag, "-cipher", "DEFAULT:@SECLEVEL=0")
    r = our_client(client_args(port, pki, "--send", "down"))
    assert r.returncode == 0, explain(r, srv)
    assert our_lines(r)[0] == "protocol: %s" % name, explain(r, srv)
    assert "nwod" in our_lines(r), explain(r, srv)
    # The same against Python restricted to that version.
    psrv, pport = start_py_server(procs, pki, "--min", py, "--max", py)
    r = our_client(client_args(pport, pki, "--send", "down"))
    assert r.returncode == 0, explain(r, psrv)
    assert our_lines(r)[0] == "protocol: %s" % name, explain(r, psrv)
    assert psrv.wait(PEER_TIMEOUT) == 0 and "version: %s" % py_name in psrv.output.splitlines(), explain(r, psrv)


@pytest.mark.parametrize("flag,name,py,py_name", OLD, ids=[o[1] for o in OLD])
def test_default_server_negotiates_down(flag, name, py, py_name, pki, procs, our_server):
    srv, port = our_server(our_server_args(pki))
    cli = s_client(procs, port, pki, "-" + flag, "-cipher", "DEFAULT:@SECLEVEL=0")
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"old\n")
    assert cli.wait_for(r"^old$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: %s" % name in srv.output.splitlines(), srv.describe()


def test_client_fallback_scsv_refused_by_openssl(pki, procs, our_client):
    # The server supports TLS 1.2 (and, at SECLEVEL 0, TLS 1.1): a TLS 1.1 hello marked as a
    # fallback retry is refused with inappropriate_fallback (86).
    srv, port = start_s_server(procs, pki, "-no_tls1_3", "-cipher", "DEFAULT:@SECLEVEL=0")
    r = our_client(client_args(port, pki, "--protocol", "tls1.1", "--fallback-scsv", "--send", "x"))
    assert r.returncode == 1, explain(r, srv)
    assert "error: SEC_E_DOWNGRADE_DETECTED (0x80090350)" in our_lines(r), explain(r, srv)
    assert not any(l.startswith("protocol:") for l in our_lines(r)), explain(r, srv)
    assert srv.wait_for(r"inappropriate fallback", 5), explain(r, srv)
    # Without the signal the same TLS 1.1 connection succeeds: the SCSV made the difference.
    r = our_client(client_args(port, pki, "--protocol", "tls1.1", "--send", "x"))
    assert r.returncode == 0 and our_lines(r)[0] == "protocol: TLSv1.1", explain(r, srv)


def test_server_refuses_fallback_scsv_from_openssl(pki, procs, our_server):
    srv, port = our_server(our_server_args(pki))
    cli = s_client(procs, port, pki, "-tls1_1", "-fallback_scsv", "-cipher", "DEFAULT:@SECLEVEL=0")
    assert cli.wait(PEER_TIMEOUT) not in (None, 0), cli.describe() + srv.describe()
    assert re.search(r"alert inappropriate fallback", cli.output), cli.describe() + srv.describe()
    assert srv.wait(PEER_TIMEOUT) == 1, srv.describe()
    lines = srv.output.splitlines()
    assert "error: SEC_E_DOWNGRADE_DETECTED (0x80090350)" in lines, srv.describe()
    assert "alert: 86" in lines, srv.describe()
