"""Fixtures for the interop suite: PKI, binaries, and peers on 127.0.0.1.

Run from the repository root after `cargo build --release && make -C examples-c`:

    python3 -m pytest c-tests/interop
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

import pytest

from helpers import (
    PKI_SCRIPT,
    READY_TIMEOUT,
    RELAY,
    RUN_TIMEOUT,
    TLS_CLIENT,
    TLS_SERVER,
    Proc,
    ProcessGroup,
    free_port,
    run,
)

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Path:
    """Directory holding the test PKI made by c-tests/pki/make-pki.sh."""
    out = tmp_path_factory.mktemp("pki")
    r = run(["sh", PKI_SCRIPT, out], timeout=120)
    assert r.returncode == 0, "make-pki.sh failed:\n%s%s" % (r.stdout, r.stderr)
    return out


@pytest.fixture(scope="session")
def examples() -> None:
    """The example programs must exist: a missing build is a failure, not a skip."""
    missing = [str(p) for p in (TLS_CLIENT, TLS_SERVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail("missing %s: run `cargo build --release && make -C examples-c` first"
                    % ", ".join(missing), pytrace=False)


@pytest.fixture(scope="session")
def loopback_shim(tmp_path_factory) -> Path:
    """LD_PRELOAD library that keeps gnutls-serv (which binds the wildcard
    address and has no option against it) on loopback."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed to build loopback_bind.so"
    out = tmp_path_factory.mktemp("shim") / "loopback_bind.so"
    r = run([cc, "-shared", "-fPIC", "-O2", "-o", out, HERE / "loopback_bind.c", "-ldl"], timeout=60)
    assert r.returncode == 0, "building loopback_bind.so failed:\n%s%s" % (r.stdout, r.stderr)
    return out


@pytest.fixture
def procs():
    """Processes started by one test; all stopped (by PID) at teardown."""
    group = ProcessGroup()
    yield group
    group.stop_all()


@pytest.fixture
def our_server(procs, examples) -> Callable[..., tuple[Proc, int]]:
    """Starts examples-c/tls-server on port 0 and returns (proc, port)."""

    def start(args: Sequence[str], env: Optional[dict] = None) -> tuple[Proc, int]:
        p, m = procs.start_server([TLS_SERVER, "--port", "0", *args], "tls-server",
                                  ready=r"^listening: (\d+)$", env=env)
        return p, int(m.group(1))

    return start


@pytest.fixture
def our_client(examples) -> Callable[..., subprocess.CompletedProcess]:
    """Runs examples-c/tls-client to completion (bounded)."""

    def client(args: Sequence[str], timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
        return run([TLS_CLIENT, *args], timeout=timeout)

    return client


@pytest.fixture
def gnutls_server(procs, loopback_shim) -> Callable[..., tuple[Proc, int]]:
    """Starts `gnutls-serv --echo -d 5` (no client certificate request) and returns
    (proc, port). It cannot bind port 0 and report it, so a free port is
    picked and the start retried if someone else grabbed it."""

    def start(cert: Path, key: Path, priority: str, extra: Sequence[str] = ()) -> tuple[Proc, int]:
        env = dict(os.environ, LD_PRELOAD=str(loopback_shim))
        last = None
        for _ in range(3):
            port = free_port()
            # stdbuf: gnutls-serv block-buffers stdout on a pipe, and its
            # per-connection report ("- Description: ...") goes there.
            # -d 5: record-layer log, the lowest level that shows alerts
            # ("Alert[1|0] - Close notify - was received"), ~130 lines a connection.
            cmd = ["stdbuf", "-oL", "gnutls-serv", "-d", "5", "-p", str(port), "--echo",
                   "--disable-client-cert", "--x509certfile", cert, "--x509keyfile", key,
                   "--priority", priority, *extra]
            p = procs.start(cmd, "gnutls-serv", env=env)
            if p.wait_for(r"listening on IPv4 .* port %d\.\.\.done" % port, READY_TIMEOUT):
                return p, port
            last = p.describe()
            p.stop()
        raise AssertionError("gnutls-serv did not start:\n%s" % last)

    return start


@pytest.fixture
def openssl_server(procs) -> Callable[..., tuple[Proc, int]]:
    """Starts `openssl s_server -tls1 -rev -msg` on 127.0.0.1:0 and returns
    (proc, port). -rev answers each line with the line reversed; -msg logs
    every record, including the alerts it receives (close_notify, unknown_ca...)."""

    def start(cert: Path, key: Path, cipher: str, extra: Sequence[str] = (), rev: bool = True,
              stdin: bool = False) -> tuple[Proc, int]:
        # rev=False: s_server's interactive mode, driven through its stdin
        # (lines typed there go to the client; "r" alone renegotiates).
        cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key,
               "-tls1", "-cipher", cipher, *(["-rev"] if rev else []), "-msg", *extra]
        p, m = procs.start_server(cmd, "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$",
                                  stdin=stdin)
        return p, int(m.group(1))

    return start


@pytest.fixture
def relay(procs) -> Callable[..., tuple[Proc, int]]:
    """Starts relay.py in front of 127.0.0.1:target_port and returns (proc, port);
    relay.parse_log(proc.output) gives the TLS records it saw. It exits by
    itself after `lifetime` seconds or `connections` closed connections."""

    def start(target_port: int, connections: int = 1, lifetime: float = 60.0,
              capture: Optional[Path] = None, v2_hello_version: Optional[int] = None) -> tuple[Proc, int]:
        cmd = [sys.executable, "-u", RELAY, "--target-port", str(target_port),
               "--connections", str(connections), "--lifetime", str(lifetime),
               *(["--capture", str(capture)] if capture else []),
               *(["--v2-hello-version", hex(v2_hello_version)] if v2_hello_version is not None else [])]
        p, m = procs.start_server(cmd, "relay", ready=r"^listening: (\d+)$")
        return p, int(m.group(1))

    return start


@pytest.fixture(scope="session")
def legacy_log(tmp_path_factory) -> Path:
    """This run's record of legacy rows that passed (see legacy_table.py)."""
    return tmp_path_factory.mktemp("legacy") / "rows.jsonl"


@pytest.fixture
def legacy_row(legacy_log) -> Callable[[str, str, str, str], None]:
    """Call as legacy_row(suite, protocol, role, peer) after a test's assertions have passed."""
    import legacy_table

    def record(suite: str, protocol: str, role: str, peer: str) -> None:
        legacy_table.append(legacy_log, suite, protocol, role, peer)

    return record
