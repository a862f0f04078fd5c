"""Process and peer helpers for the interop suite.

Every process started here is bounded by a timeout and stopped by its own PID;
every socket is on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional, Sequence, Union

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples-c"
# Overridable to run the suite against other builds of the examples
# (sanitizer builds, a copy elsewhere).
TLS_CLIENT = Path(os.environ.get("OPENSCHANNEL_TLS_CLIENT", EXAMPLES / "tls-client"))
TLS_SERVER = Path(os.environ.get("OPENSCHANNEL_TLS_SERVER", EXAMPLES / "tls-server"))
PKI_SCRIPT = REPO / "c-tests" / "pki" / "make-pki.sh"
NASSL_CLIENT = Path(__file__).resolve().parent / "nassl_client.py"
RELAY = Path(__file__).resolve().parent / "relay.py"

READY_TIMEOUT = 10.0  # seconds a server gets to start listening
RUN_TIMEOUT = 30.0  # seconds any one short-lived command may take


@dataclasses.dataclass(frozen=True)
class Suite:
    """One cipher suite under test and what each peer calls it."""

    iana: str
    gnutls_cipher: str  # GnuTLS priority cipher keyword
    gnutls_mac: str  # GnuTLS priority MAC keyword
    openssl: str  # OpenSSL cipher name (legacy 1.0.2 in nassl; OpenSSL 3 for AES)
    in_openssl3: bool  # Debian's OpenSSL 3 has no 3DES or RC4 suites

    def __str__(self) -> str:
        return self.iana

    @property
    def gnutls_priority(self) -> str:
        # TLS 1.0 only, RSA key exchange only, exactly one cipher and one MAC.
        return (
            "NORMAL:-VERS-ALL:+VERS-TLS1.0:-CIPHER-ALL:+%s:-KX-ALL:+RSA:-MAC-ALL:+%s"
            % (self.gnutls_cipher, self.gnutls_mac)
        )

    @property
    def gnutls_description(self) -> str:
        # What gnutls-cli / gnutls-serv print as "- Description: ...".
        return "(TLS1.0-X.509)-(RSA)-(%s)-(%s)" % (self.gnutls_cipher, self.gnutls_mac)

    @property
    def openssl_cipher_arg(self) -> str:
        # TLS 1.0 and these suites need security level 0 in OpenSSL 3.
        return "%s:@SECLEVEL=0" % self.openssl


SUITES = [
    Suite("TLS_RSA_WITH_AES_128_CBC_SHA", "AES-128-CBC", "SHA1", "AES128-SHA", True),
    Suite("TLS_RSA_WITH_AES_256_CBC_SHA", "AES-256-CBC", "SHA1", "AES256-SHA", True),
    Suite("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3DES-CBC", "SHA1", "DES-CBC3-SHA", False),
    Suite("TLS_RSA_WITH_RC4_128_SHA", "ARCFOUR-128", "SHA1", "RC4-SHA", False),
    Suite("TLS_RSA_WITH_RC4_128_MD5", "ARCFOUR-128", "MD5", "RC4-MD5", False),
]
OPENSSL3_SUITES = [s for s in SUITES if s.in_openssl3]


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (for peers that cannot
    bind port 0 and report it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: Sequence[Union[str, os.PathLike]], timeout: float = RUN_TIMEOUT,
        **kw) -> subprocess.CompletedProcess:
    """Runs a short-lived command, stdout+stderr captured as text; the child
    is killed when the timeout expires (subprocess.run does that)."""
    return subprocess.run(
        [str(c) for c in cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        text=True,
        errors="replace",
        **kw,
    )


class Proc:
    """A long-running process whose merged stdout/stderr is collected by a
    reader thread, so tests can wait for a line while it runs."""

    def __init__(self, cmd: Sequence[Union[str, os.PathLike]], name: str,
                 env: Optional[dict] = None, stdin: bool = False):
        self.name = name
        self.cmd = [str(c) for c in cmd]
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.popen = subprocess.Popen(
            self.cmd,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # a terminal ^C goes to pytest, not to the peer
        )
        self.pid = self.popen.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        out = self.popen.stdout
        assert out is not None
        while True:
            chunk = out.read1(65536)
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                self._buf += chunk
                self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._lock:
            return self._buf.decode("utf-8", "replace")

    def wait_for(self, pattern: Union[str, re.Pattern], timeout: float) -> Optional[re.Match]:
        """Waits until the output matches `pattern` (a regex, MULTILINE);
        returns the match, or None on timeout / when the process has exited
        and its output is drained without a match."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._buf.decode("utf-8", "replace"))
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if not self._reader.is_alive():
                    return None
                self._cond.wait(min(left, 0.2))

    def send(self, data: bytes) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(data)
        self.popen.stdin.flush()

    def close_stdin(self) -> None:
        if self.popen.stdin and not self.popen.stdin.closed:
            try:
                self.popen.stdin.close()
            except BrokenPipeError:
                pass

    def wait(self, timeout: float) -> Optional[int]:
        """Exit status, or None if it is still running after `timeout`."""
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=2)
        return rc

    def stop(self) -> None:
        """SIGTERM by PID, then SIGKILL by PID if it does not go."""
        self.close_stdin()
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=3)
        self._reader.join(timeout=2)
        if self.popen.stdout:
            self.popen.stdout.close()

    def describe(self) -> str:
        return "%s (pid %d, rc %s): %s\n--- output ---\n%s" % (
            self.name, self.pid, self.popen.poll(), " ".join(self.cmd), self.output)


class ProcessGroup:
    """Starts processes for one test and stops every one of them at teardown."""

    def __init__(self) -> None:
        self.procs: list[Proc] = []

    def start(self, cmd, name: str, env: Optional[dict] = None, stdin: bool = False) -> Proc:
        p = Proc(cmd, name, env=env, stdin=stdin)
        self.procs.append(p)
        return p

    def start_server(self, cmd, name: str, ready: str, env: Optional[dict] = None,
                     timeout: float = READY_TIMEOUT, stdin: bool = False) -> tuple[Proc, re.Match]:
        """Starts a server and waits (bounded) until its output matches
        `ready`; fails the test with its output otherwise."""
        p = self.start(cmd, name, env=env, stdin=stdin)
        m = p.wait_for(ready, timeout)
        if m is None:
            p.stop()
            raise AssertionError("%s did not become ready within %.0f s\n%s"
                                 % (name, timeout, p.describe()))
        return p, m

    def stop_all(self) -> None:
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception:  # keep stopping the others
                pass


# --- shared by test_sessions.py and test_record_split.py ------------------------------

# The suite most tests of sessions, renegotiation and records use: every peer has it.
AES128 = SUITES[0]


def cbc_record_len(plaintext: int, mac: int = 20, block: int = 16, etm: bool = False) -> int:
    """Body length of a TLS 1.0 CBC record carrying `plaintext` bytes (HMAC-SHA1
    and AES by default). MAC-then-encrypt: data + MAC + at least one padding
    byte, rounded up to the block. Encrypt-then-MAC (RFC 7366, which our ends
    negotiate with every peer that offers it): data + at least one padding byte
    rounded up to the block, then the MAC."""
    if etm:
        return (plaintext // block + 1) * block + mac
    return (plaintext + mac + 1 + block - 1) // block * block


# `openssl s_client/s_server -msg` writes its record log into the same stream
# as the application data ("f<<< TLS 1.0, RecordHeader ...\n    17 03 01 00 20\nirst line").
_MSG_LOG = re.compile(r"(?:<<<|>>>) [^\n]*\n(?: {4}[0-9a-f]{2}(?: [0-9a-f]{2})*\n)*")


def strip_msg_log(text: str) -> str:
    """`text` without the -msg record log, so that data lines come out whole."""
    return _MSG_LOG.sub("", text)


def wait_text(p: Proc, pattern: str, timeout: float) -> Optional[re.Match]:
    """Like p.wait_for, on the output without the -msg record log."""
    deadline = time.monotonic() + timeout
    while True:
        alive = p.popen.poll() is None
        m = re.search(pattern, strip_msg_log(p.output), re.M)
        if m or time.monotonic() >= deadline:
            return m
        if not alive:
            # Exited: one last look once the reader has drained its pipe.
            p.wait_for(r"(?!x)x", 0.3)
            return re.search(pattern, strip_msg_log(p.output), re.M)
        time.sleep(0.05)
