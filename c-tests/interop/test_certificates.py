"""Certificates against OpenSSL 3 (issue 5): chain validation failures in our
client, revocation with CRLs, client authentication in both roles, PKCS#12
identities.

Everything is TLS 1.2 unless a test says otherwise: `openssl s_server -no_tls1_3`
(default configuration; @SECLEVEL=0 only where OpenSSL would otherwise refuse
the certificate it is asked to serve), our tls-client / tls-server with their
defaults. Every server listens on an ephemeral 127.0.0.1 port and is stopped
by PID; every wait is bounded. The PKI is c-tests/pki/make-pki.sh's.

OpenSSL logs the alerts it receives as
"...:sslv3 alert certificate revoked:...:SSL alert number 44"; that is how the
tests see that our side sent the alert Schannel would.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Optional, Sequence

import pytest

from helpers import Proc

PEER_TIMEOUT = 10.0  # seconds to wait for a peer to answer or exit

CLIENT_SUBJECT = "O=openschannel tests, CN=openschannel test client"

# (status name, value, alert number, OpenSSL's text for the alert)
UNTRUSTED_ROOT = ("SEC_E_UNTRUSTED_ROOT", 0x80090325, 48, "unknown ca")
CERT_EXPIRED = ("SEC_E_CERT_EXPIRED", 0x80090328, 45, "certificate expired")
WRONG_PRINCIPAL = ("SEC_E_WRONG_PRINCIPAL", 0x80090322, 42, "bad certificate")
WRONG_USAGE = ("SEC_E_CERT_WRONG_USAGE", 0x80090349, 43, "unsupported certificate")
CERT_UNKNOWN_MD5 = ("SEC_E_CERT_UNKNOWN", 0x80090327, 43, "unsupported certificate")
REVOKED = ("CRYPT_E_REVOKED", 0x80092010, 44, "certificate revoked")
NO_REVOCATION_CHECK = ("CRYPT_E_NO_REVOCATION_CHECK", 0x80092012, 46, "certificate unknown")
REVOCATION_OFFLINE = ("CRYPT_E_REVOCATION_OFFLINE", 0x80092013, 46, "certificate unknown")
HANDSHAKE_FAILURE = ("SEC_E_ALGORITHM_MISMATCH", 0x80090331, 40, "handshake failure")


def explain(r: Optional[subprocess.CompletedProcess], *peers: Proc) -> str:
    """Everything worth seeing when an assertion fails."""
    text = ""
    if r is not None:
        text = "tls-client rc=%s\n--- stdout ---\n%s--- stderr ---\n%s" % (r.returncode, r.stdout, r.stderr)
    for p in peers:
        text += "\n" + p.describe()
    return text


def client_args(port: int, pki: Path, *extra: str) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
            "--cafile", str(pki / "ca.pem"), "--send", "ping", *extra]


def start_s_server(procs, pki: Path, cert: str, *extra, chain: Sequence[str] = (),
                   tmp: Optional[Path] = None, version: str = "-no_tls1_3") -> tuple[Proc, int]:
    """`openssl s_server -no_tls1_3 -rev -msg` serving pki/cert (key server.key), with
    the intermediates `chain` (file names in pki) sent after it; `version` replaces
    -no_tls1_3 (e.g. -tls1)."""
    args = []
    if chain:
        assert tmp is not None
        bundle = tmp / "chain-for-s_server.pem"
        bundle.write_text("".join((pki / c).read_text() for c in chain))
        args = ["-cert_chain", bundle]
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / cert, "-key", pki / "server.key",
           version, "-rev", "-msg", *args, *extra]
    p, m = procs.start_server(cmd, "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    return p, int(m.group(1))


def s_client(procs, port: int, pki: Path, *extra) -> Proc:
    return procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost",
                        "-CAfile", pki / "ca.pem", "-no_tls1_3", *extra], "openssl s_client", stdin=True)


def assert_ok(r: subprocess.CompletedProcess, srv: Proc, *more_lines: str) -> None:
    """Our client completed a TLS 1.2 handshake and got its line back reversed."""
    assert r.returncode == 0, explain(r, srv)
    lines = r.stdout.splitlines()
    assert lines[0] == "protocol: TLSv1.2", explain(r, srv)
    assert lines[1].startswith("cipher: TLS_"), explain(r, srv)
    assert lines[2:] == [*more_lines, "gnip"], explain(r, srv)


def assert_failed(r: subprocess.CompletedProcess, srv: Proc, expect) -> None:
    """Our client failed with the status line and the alert `expect` names, and the
    peer received that alert."""
    status, value, alert, alert_text = expect
    assert r.returncode == 1, explain(r, srv)
    lines = r.stdout.splitlines()
    assert lines == ["error: %s (0x%08x)" % (status, value), "alert: %d" % alert], explain(r, srv)
    assert srv.wait_for(r"alert %s:.*SSL alert number %d$" % (re.escape(alert_text), alert), 5), \
        explain(r, srv)


# --- our client: bad server certificates ------------------------------------------------

BAD_SERVER_CERTS = [
    # (id, certificate, intermediates sent, extra s_server args, expected)
    ("untrusted", "untrusted.pem", (), (), UNTRUSTED_ROOT),
    ("expired", "expired.pem", (), (), CERT_EXPIRED),
    ("not-yet-valid", "notyetvalid.pem", (), (), CERT_EXPIRED),
    ("wrong-name", "wrongname.pem", (), (), WRONG_PRINCIPAL),
    ("wrong-eku", "wrongusage.pem", (), (), WRONG_USAGE),
    # OpenSSL 3 refuses to serve an MD5-signed certificate above security level 0.
    ("md5-signature", "md5.pem", (), ("-cipher", "DEFAULT:@SECLEVEL=0"), CERT_UNKNOWN_MD5),
    # int.pem (pathlen:0) -> subca.pem (a CA) -> toolong.pem: PathTooLong.
    ("path-too-long", "toolong.pem", ("subca.pem", "int.pem"), (), UNTRUSTED_ROOT),
]


@pytest.mark.parametrize("cert,chain,extra,expect", [c[1:] for c in BAD_SERVER_CERTS],
                         ids=[c[0] for c in BAD_SERVER_CERTS])
def test_client_rejects_bad_server_certificate(cert, chain, extra, expect, pki, procs, tmp_path, our_client):
    srv, port = start_s_server(procs, pki, cert, *extra, chain=chain, tmp=tmp_path)
    r = our_client(client_args(port, pki))
    assert_failed(r, srv, expect)


def test_client_accepts_good_intermediate_chain(pki, procs, tmp_path, our_client):
    """The control for path-too-long: a leaf under int.pem (pathlen:0) directly is fine."""
    srv, port = start_s_server(procs, pki, "server-int.pem", chain=("int.pem",), tmp=tmp_path)
    assert_ok(our_client(client_args(port, pki)), srv)


# --- our client: revocation ---------------------------------------------------------------

REVOCATION = [
    # (id, certificate, intermediates, our client's extra args, expected: None = handshake completes)
    ("revoked-not-checked", "revoked.pem", (), (), None),
    ("revoked-end", "revoked.pem", (), ("--revocation", "end", "--crl", "ca.crl"), REVOKED),
    ("revoked-chain", "revoked.pem", (), ("--revocation", "chain", "--crl", "ca.crl"), REVOKED),
    ("revoked-chain-exclude-root", "revoked.pem", (),
     ("--revocation", "chain-exclude-root", "--crl", "ca.crl"), REVOKED),
    # Revocation is final: ignoring missing information does not let it through.
    ("revoked-ignore-flags", "revoked.pem", (),
     ("--revocation", "end", "--crl", "ca.crl", "--ignore-no-revocation-check", "--ignore-revocation-offline"),
     REVOKED),
    ("good-end", "server.pem", (), ("--revocation", "end", "--crl", "ca.crl"), None),
    ("good-chain", "server.pem", (), ("--revocation", "chain", "--crl", "ca.crl"), None),
    ("no-crl", "server.pem", (), ("--revocation", "end"), NO_REVOCATION_CHECK),
    ("no-crl-ignored", "server.pem", (), ("--revocation", "end", "--ignore-no-revocation-check"), None),
    # A CRL of another issuer does not cover the leaf.
    ("other-issuer-crl", "server.pem", (), ("--revocation", "end", "--crl", "int.crl"), NO_REVOCATION_CHECK),
    ("stale-crl", "server.pem", (), ("--revocation", "end", "--crl", "ca-stale.crl"), REVOCATION_OFFLINE),
    ("stale-crl-ignored", "server.pem", (),
     ("--revocation", "end", "--crl", "ca-stale.crl", "--ignore-revocation-offline"), None),
    # The two ignore flags are distinct: a stale CRL is "offline", not "no check".
    ("stale-crl-wrong-ignore", "server.pem", (),
     ("--revocation", "end", "--crl", "ca-stale.crl", "--ignore-no-revocation-check"), REVOCATION_OFFLINE),
    # End-cert vs chain: server-int.pem <- int.pem <- ca.pem.
    ("intermediate-end", "server-int.pem", ("int.pem",), ("--revocation", "end", "--crl", "int.crl"), None),
    ("intermediate-chain-missing-ca-crl", "server-int.pem", ("int.pem",),
     ("--revocation", "chain-exclude-root", "--crl", "int.crl"), NO_REVOCATION_CHECK),
    ("intermediate-chain-exclude-root", "server-int.pem", ("int.pem",),
     ("--revocation", "chain-exclude-root", "--crl", "int.crl", "--crl", "ca.crl"), None),
    ("intermediate-chain", "server-int.pem", ("int.pem",),
     ("--revocation", "chain", "--crl", "int.crl", "--crl", "ca.crl"), None),
    # A revoked intermediate: invisible to an end-cert check, caught by a chain check.
    ("revoked-intermediate-end", "server-intrev.pem", ("int-revoked.pem",),
     ("--revocation", "end", "--crl", "int-revoked.crl", "--crl", "ca.crl"), None),
    ("revoked-intermediate-chain-exclude-root", "server-intrev.pem", ("int-revoked.pem",),
     ("--revocation", "chain-exclude-root", "--crl", "int-revoked.crl", "--crl", "ca.crl"), REVOKED),
    # --crl DIR: every CRL file in a directory (made by the test from ca.crl and int-revoked.crl).
    ("revoked-intermediate-crl-directory", "server-intrev.pem", ("int-revoked.pem",),
     ("--revocation", "chain", "--crl", "@crldir"), REVOKED),
]


@pytest.mark.parametrize("cert,chain,extra,expect", [c[1:] for c in REVOCATION], ids=[c[0] for c in REVOCATION])
def test_client_revocation(cert, chain, extra, expect, pki, procs, tmp_path, our_client):
    args = []
    for a in extra:
        if a == "@crldir":
            d = tmp_path / "crls"
            d.mkdir()
            for f in ("ca.crl", "int-revoked.crl"):
                (d / f).write_bytes((pki / f).read_bytes())
            args.append(str(d))
        elif a.endswith(".crl"):
            args.append(str(pki / a))
        else:
            args.append(a)
    srv, port = start_s_server(procs, pki, cert, chain=chain, tmp=tmp_path)
    r = our_client(client_args(port, pki, *args))
    if expect is None:
        assert_ok(r, srv)
    else:
        assert_failed(r, srv, expect)


def test_client_unreadable_crl(pki, our_client):
    """A --crl that holds no CRL fails before connecting (port 1 is never reached)."""
    r = our_client(["--host", "127.0.0.1", "--port", "1", "--revocation", "end", "--crl", str(pki / "ca.pem")])
    assert r.returncode == 1, explain(r)
    assert r.stdout.splitlines() == ["error: cannot load CRL %s" % (pki / "ca.pem")], explain(r)


# --- our client presents a certificate ----------------------------------------------------

IDENTITIES = {
    "pfx": ["--pfx", "client.p12", "--pfx-password", "test"],
    "pem": ["--cert", "client.pem", "--key", "client.key"],
}


def identity_args(pki: Path, how: str) -> list[str]:
    return [str(pki / a) if a.endswith((".p12", ".pem", ".key")) else a for a in IDENTITIES[how]]


@pytest.mark.parametrize("how", sorted(IDENTITIES))
def test_client_certificate_vs_s_server_verify(how, pki, procs, tmp_path, our_client):
    """s_server -Verify 1 requires a client certificate from ca.pem's hierarchy and
    prints its subject."""
    srv, port = start_s_server(procs, pki, "server.pem", "-Verify", "1", "-CAfile", pki / "ca.pem")
    r = our_client(client_args(port, pki, *identity_args(pki, how)))
    assert_ok(r, srv)
    assert srv.wait_for(r"^Peer certificate: O = openschannel tests, CN = openschannel test client$", 5), \
        explain(r, srv)
    assert srv.wait_for(r"^Verification: OK$", 5), explain(r, srv)


def test_client_certificate_pfx_tls10(pki, procs, our_client):
    """The TLS 1.0 CertificateVerify (MD5+SHA-1 RSA signature), from a PKCS#12 identity."""
    srv, port = start_s_server(procs, pki, "server.pem", "-Verify", "1", "-CAfile", pki / "ca.pem",
                               "-cipher", "AES128-SHA:@SECLEVEL=0", version="-tls1")
    r = our_client(client_args(port, pki, "--protocol", "tls1.0", "--cipher", "TLS_RSA_WITH_AES_128_CBC_SHA",
                               *identity_args(pki, "pfx")))
    assert r.returncode == 0, explain(r, srv)
    assert r.stdout.splitlines() == ["protocol: TLSv1.0", "cipher: TLS_RSA_WITH_AES_128_CBC_SHA", "gnip"], \
        explain(r, srv)
    assert srv.wait_for(r"^Peer certificate: O = openschannel tests, CN = openschannel test client$", 5), \
        explain(r, srv)


def test_client_untrusted_certificate_vs_s_server(pki, procs, our_client):
    """A client certificate from another root, to a server that names no CAs
    (-no_ca_names: any certificate may be sent) and fails on verification errors
    (-verify_return_error): s_server answers unknown_ca."""
    srv, port = start_s_server(procs, pki, "server.pem", "-Verify", "1", "-CAfile", pki / "ca.pem", "-no_ca_names",
                               "-verify_return_error")
    r = our_client(client_args(port, pki, "--cert", str(pki / "client-untrusted.pem"),
                               "--key", str(pki / "client.key")))
    assert r.returncode == 1, explain(r, srv)
    assert r.stdout.splitlines() == ["error: SEC_E_UNTRUSTED_ROOT (0x80090325)"], explain(r, srv)
    assert srv.wait_for(r">>> TLS 1\.2, Alert \[length 0002\], fatal unknown_ca", 5), explain(r, srv)


def test_client_certificate_not_from_named_ca(pki, procs, our_client):
    """The server names ca.pem's CA; our certificate is from another root, so it is not
    sent (the handshake goes on as without one, as after SEC_I_INCOMPLETE_CREDENTIALS)."""
    srv, port = start_s_server(procs, pki, "server.pem", "-verify", "1", "-CAfile", pki / "ca.pem")
    r = our_client(client_args(port, pki, "--cert", str(pki / "client-untrusted.pem"),
                               "--key", str(pki / "client.key")))
    assert_ok(r, srv, "client-auth: none")
    assert srv.wait_for(r"^No peer certificate$", 5), explain(r, srv)


def test_client_without_certificate_optional(pki, procs, our_client):
    """s_server -verify 1 asks but does not insist: InitializeSecurityContext returns
    SEC_I_INCOMPLETE_CREDENTIALS, the client calls again with the same input and the
    handshake completes without a certificate."""
    srv, port = start_s_server(procs, pki, "server.pem", "-verify", "1", "-CAfile", pki / "ca.pem")
    r = our_client(client_args(port, pki))
    assert_ok(r, srv, "client-auth: none")


def test_client_without_certificate_required(pki, procs, our_client):
    """s_server -Verify 1 insists: its handshake_failure alert ends our handshake."""
    srv, port = start_s_server(procs, pki, "server.pem", "-Verify", "1", "-CAfile", pki / "ca.pem")
    r = our_client(client_args(port, pki))
    assert r.returncode == 1, explain(r, srv)
    assert r.stdout.splitlines() == ["error: SEC_E_ALGORITHM_MISMATCH (0x80090331)"], explain(r, srv)
    assert srv.wait_for(r"peer did not return a certificate", 5), explain(r, srv)


def test_client_pfx_wrong_password(pki, our_client):
    r = our_client(["--host", "127.0.0.1", "--port", "1", "--pfx", str(pki / "client.p12"),
                    "--pfx-password", "wrong"])
    assert r.returncode == 1, explain(r)
    # ERROR_INVALID_PASSWORD (86) from GetLastError.
    assert r.stdout.splitlines() == ["error: cannot import PKCS#12 file %s (0x00000056)" % (pki / "client.p12")], \
        explain(r)


# --- our server: client authentication (--verify-client) --------------------------------


def start_our_server(our_server, pki: Path, *extra: str) -> tuple[Proc, int]:
    return our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once", "--echo",
                       "--verify-client", str(pki / "ca.pem"), *extra])


def test_server_verifies_client_certificate(pki, procs, our_server):
    srv, port = start_our_server(our_server, pki)
    cli = s_client(procs, port, pki, "-cert", pki / "client.pem", "-key", pki / "client.key")
    cli.send(b"ping from s_client\n")
    assert cli.wait_for(r"^ping from s_client$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert srv.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    lines = srv.output.splitlines()
    assert "protocol: TLSv1.2" in lines, explain(None, cli, srv)
    assert "client: %s" % CLIENT_SUBJECT in lines, explain(None, cli, srv)
    assert not any(l.startswith("error:") for l in lines), explain(None, cli, srv)


CLIENT_FAILURES = [
    # (id, s_client certificate args (file names in pki), our server's extra args, expected)
    ("untrusted", ("client-untrusted.pem", "client.key"), (), UNTRUSTED_ROOT),
    ("no-certificate", (), (), HANDSHAKE_FAILURE),
    # A server certificate (serverAuth only) offered as a client certificate.
    ("wrong-eku", ("server.pem", "server.key"), (), WRONG_USAGE),
    ("revocation-no-crl", ("client.pem", "client.key"), ("--revocation", "end"), NO_REVOCATION_CHECK),
]


@pytest.mark.parametrize("cert,extra,expect", [c[1:] for c in CLIENT_FAILURES], ids=[c[0] for c in CLIENT_FAILURES])
def test_server_rejects_client(cert, extra, expect, pki, procs, our_server):
    status, value, alert, alert_text = expect
    srv, port = start_our_server(our_server, pki, *extra)
    cert_args = ["-cert", pki / cert[0], "-key", pki / cert[1]] if cert else []
    cli = s_client(procs, port, pki, *cert_args)
    assert srv.wait(PEER_TIMEOUT) == 1, explain(None, cli, srv)
    lines = srv.output.splitlines()
    assert lines[1:] == ["error: %s (0x%08x)" % (status, value), "alert: %d" % alert], explain(None, cli, srv)
    assert cli.wait_for(r"alert %s:.*SSL alert number %d$" % (re.escape(alert_text), alert), PEER_TIMEOUT), \
        explain(None, cli, srv)


def test_server_client_revocation_with_crl(pki, procs, our_server):
    srv, port = start_our_server(our_server, pki, "--revocation", "end", "--crl", str(pki / "ca.crl"))
    cli = s_client(procs, port, pki, "-cert", pki / "client.pem", "-key", pki / "client.key")
    cli.send(b"ping\n")
    assert cli.wait_for(r"^ping$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert srv.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert "client: %s" % CLIENT_SUBJECT in srv.output.splitlines(), explain(None, cli, srv)


def test_our_client_pfx_vs_our_server(pki, our_server, our_client):
    srv, port = start_our_server(our_server, pki)
    r = our_client(client_args(port, pki, *identity_args(pki, "pfx")))
    assert r.returncode == 0, explain(r, srv)
    assert r.stdout.splitlines()[-1] == "ping", explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, explain(r, srv)
    assert "client: %s" % CLIENT_SUBJECT in srv.output.splitlines(), explain(r, srv)


def test_our_client_without_certificate_vs_our_server(pki, our_server, our_client):
    """Our server requires a certificate: our client continues past
    SEC_I_INCOMPLETE_CREDENTIALS without one and the server refuses it."""
    srv, port = start_our_server(our_server, pki)
    r = our_client(client_args(port, pki))
    assert r.returncode == 1, explain(r, srv)
    assert r.stdout.splitlines() == ["error: SEC_E_ALGORITHM_MISMATCH (0x80090331)"], explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 1, explain(r, srv)
    assert srv.output.splitlines()[1:] == ["error: SEC_E_ALGORITHM_MISMATCH (0x80090331)", "alert: 40"], \
        explain(r, srv)
