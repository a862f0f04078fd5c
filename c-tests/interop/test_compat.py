"""Source compatibility: Windows-style Schannel programs (c-tests/compat/compat_client.c and
compat_server.c, compiled through include/security.h, schannel.h, wincrypt.h, sspi.h and a
small Winsock shim) against `openssl s_server` / `openssl s_client`.

Build them first with `make -C c-tests/compat programs` (part of `make test`).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from helpers import READY_TIMEOUT, REPO, RUN_TIMEOUT, run, wait_text

COMPAT = REPO / "c-tests" / "compat" / "build"
CLIENT = COMPAT / "compat-client"
SERVER = COMPAT / "compat-server"
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="module")
def compat_programs() -> None:
    missing = [str(p) for p in (CLIENT, SERVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail("missing %s: run `make -C c-tests/compat programs` first" % ", ".join(missing),
                    pytrace=False)


@pytest.fixture
def store_dir(tmp_path) -> Path:
    """OPENSCHANNEL_STORE_DIR whose ROOT store holds the test CA (what the client's
    CertGetCertificateChain trusts) and an empty MY store."""
    base = tmp_path / "stores"
    (base / "root").mkdir(parents=True)
    (base / "my").mkdir()
    shutil.copy(DATA / "ca.pem", base / "root" / "ca.pem")
    return base


def client_env(store_dir: Path) -> dict:
    return dict(os.environ, OPENSCHANNEL_STORE_DIR=str(store_dir))


def s_server(procs, extra=(), rev=True, stdin=False):
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", DATA / "server.pem",
           "-key", DATA / "server.key", "-naccept", "1", *(["-rev"] if rev else []), *extra]
    p, m = procs.start_server(cmd, "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$",
                              stdin=stdin)
    return p, int(m.group(1))


def test_client_function_table_against_openssl_server(procs, compat_programs, store_dir):
    """InitSecurityInterfaceW table, handshake loop, chain + SSL policy check, data, shutdown."""
    p, port = s_server(procs, extra=["-msg"])
    r = run([CLIENT, "127.0.0.1", port, "localhost", "--send", "hello compat", "--until", "tapmoc olleh"],
            env=client_env(store_dir))
    assert r.returncode == 0, r.stdout + r.stderr
    for line in ("handshake: ok", "verified: localhost", "recv: tapmoc olleh", "shutdown: ok"):
        assert line in r.stdout.splitlines(), r.stdout
    # Our close_notify reached the peer.
    assert p.wait_for(r"^<<< TLS 1\.2, Alert \[length 0002\], warning close_notify$", READY_TIMEOUT), \
        p.describe()


def test_client_rejects_untrusted_server(procs, compat_programs, tmp_path):
    """Without the CA in ROOT the SDK-style VerifyServerCertificate refuses the server."""
    empty = tmp_path / "nostores"
    (empty / "root").mkdir(parents=True)
    env = dict(os.environ, OPENSCHANNEL_STORE_DIR=str(empty), SSL_CERT_FILE=str(tmp_path / "none.pem"),
               SSL_CERT_DIR=str(empty / "root"))
    _, port = s_server(procs)
    r = run([CLIENT, "127.0.0.1", port, "localhost", "--send", "x"], env=env)
    assert r.returncode != 0
    # CERT_E_UNTRUSTEDROOT or CERT_E_CHAINING (s_server sends the leaf only, its issuer is unknown)
    assert re.search(r"server certificate rejected: 0x800b010[9a]", r.stderr), r.stdout + r.stderr


def test_client_incomplete_credentials(procs, compat_programs, store_dir):
    """s_server -verify asks for a certificate: SEC_I_INCOMPLETE_CREDENTIALS, MY is empty, the
    client goes on anonymously with the same input."""
    _, port = s_server(procs, extra=["-verify", "1"])
    r = run([CLIENT, "127.0.0.1", port, "localhost", "--send", "abc", "--until", "cba"],
            env=client_env(store_dir))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "incomplete credentials: continuing without a certificate" in r.stdout
    assert "recv: cba" in r.stdout


def test_client_renegotiation_reenters_handshake_loop(procs, compat_programs, store_dir):
    """The server renegotiates ("r" on s_server's stdin): DecryptMessage returns
    SEC_I_RENEGOTIATE and the EXTRA bytes go into the handshake loop without a read."""
    srv, port = s_server(procs, rev=False, stdin=True)
    cli = procs.start([CLIENT, "127.0.0.1", str(port), "localhost", "--send", "hello", "--until", "done"],
                      "compat-client", env=client_env(store_dir))
    assert cli.wait_for(r"^verified: localhost$", RUN_TIMEOUT), cli.describe()
    assert wait_text(srv, r"^hello$", RUN_TIMEOUT), srv.describe()
    srv.send(b"r\n")
    time.sleep(0.5)
    srv.send(b"done\n")
    assert cli.wait(RUN_TIMEOUT) == 0, cli.describe()
    out = cli.output.splitlines()
    assert "renegotiated" in out, cli.describe()
    assert out.index("renegotiated") < out.index("recv: done"), cli.describe()
    assert "shutdown: ok" in out


def start_server(procs, args, env=None):
    p, m = procs.start_server([SERVER, "0", *args], "compat-server", ready=r"^listening: (\d+)$", env=env)
    return p, int(m.group(1))


def s_client(procs, port):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile", DATA / "ca.pem",
           "-verify_return_error", "-servername", "localhost"]
    return procs.start(cmd, "openssl s_client", stdin=True)


def exchange(procs, server, port):
    cli = s_client(procs, port)
    assert wait_text(cli, r"Verify return code: 0 \(ok\)", RUN_TIMEOUT), cli.describe()
    cli.send(b"hello from s_client\n")
    assert wait_text(cli, r"^HELLO FROM S_CLIENT$", RUN_TIMEOUT), cli.describe()
    cli.close_stdin()  # s_client sends close_notify at EOF
    assert cli.wait(RUN_TIMEOUT) == 0, cli.describe()
    assert server.wait(RUN_TIMEOUT) == 0, server.describe()
    out = server.output.splitlines()
    for line in ("certificate: localhost", "handshake: ok", "recv: hello from s_client",
                 "close_notify received", "shutdown: ok"):
        assert line in out, server.describe()


def test_server_pfx_store_against_openssl_client(procs, compat_programs):
    """PFXImportCertStore(server.p12, L"test") + CertFindCertificateInStore(SUBJECT_STR)."""
    srv, port = start_server(procs, ["--pfx", str(DATA / "server.p12"), "--password", "test"])
    exchange(procs, srv, port)


def test_server_file_store_against_openssl_client(procs, compat_programs, tmp_path):
    """CertOpenStore(CERT_STORE_PROV_FILENAME, L"...pem") with the key in the same file."""
    pem = tmp_path / "server-with-key.pem"
    pem.write_bytes((DATA / "server.pem").read_bytes() + (DATA / "server.key").read_bytes())
    srv, port = start_server(procs, ["--file-store", str(pem)])
    exchange(procs, srv, port)


def test_server_system_my_store_against_openssl_client(procs, compat_programs, tmp_path):
    """CertOpenStore(CERT_STORE_PROV_SYSTEM, L"MY"): the store directory <base>/my."""
    my = tmp_path / "stores" / "my"
    my.mkdir(parents=True)
    shutil.copy(DATA / "server.pem", my / "server.pem")
    shutil.copy(DATA / "server.key", my / "server.key")
    env = dict(os.environ, OPENSCHANNEL_STORE_DIR=str(tmp_path / "stores"))
    srv, port = start_server(procs, ["--system-store", "MY"], env=env)
    exchange(procs, srv, port)


def test_server_wrong_pfx_password(compat_programs):
    r = run([SERVER, "0", "--pfx", DATA / "server.p12", "--password", "wrong"])
    assert r.returncode == 1
    assert "cannot open the certificate store: 0x00000056" in r.stderr, r.stderr  # ERROR_INVALID_PASSWORD
