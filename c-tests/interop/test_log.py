"""The diagnostics log (OPENSCHANNEL_LOG, OPENSCHANNEL_LOG_FILE; src/log.rs): a failed handshake
explains itself, and a whole session logged at trace level holds no secret and no plaintext."""

from __future__ import annotations

import os
import re

from helpers import RUN_TIMEOUT, TLS_CLIENT, run

LINE = re.compile(r"^openschannel\[\d+\] \d+\.\d{6} (ERROR|WARN|INFO|DEBUG|TRACE)( ctx=\d+ (client|server):)? \S.*$")


def test_untrusted_root_is_explained_at_debug(pki, procs, examples, tmp_path):
    """Our client against a server whose certificate chains to a CA it does not trust."""
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / "untrusted.pem",
           "-key", pki / "server.key", "-naccept", "1", "-rev"]
    _, m = procs.start_server(cmd, "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    log = tmp_path / "client.log"
    env = dict(os.environ, OPENSCHANNEL_LOG="debug", OPENSCHANNEL_LOG_FILE=str(log))
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", "x"], env=env, timeout=RUN_TIMEOUT)
    assert r.returncode != 0
    text = log.read_text()
    lines = text.splitlines()
    assert lines and all(LINE.match(l) for l in lines), text
    expected = [
        r"DEBUG AcquireCredentialsHandleA -> SEC_E_OK \(0x00000000\)$",
        r"DEBUG ctx=\d+ client: handshake sent ClientHello len=\d+$",
        r"DEBUG ctx=\d+ client: InitializeSecurityContextA -> SEC_I_CONTINUE_NEEDED \(0x00090312\)$",
        r"DEBUG ctx=\d+ client: handshake received ServerHello len=\d+$",
        r"DEBUG ctx=\d+ client: handshake received Certificate len=\d+$",
        r"ERROR ctx=\d+ client: InitializeSecurityContextA -> SEC_E_UNTRUSTED_ROOT \(0x80090325\): "
        r"Certificate\(UnknownIssuer\)$",
    ]
    at = 0
    for pattern in expected:  # in this order
        while at < len(lines) and not re.search(pattern, lines[at]):
            at += 1
        assert at < len(lines), "no line matching %r after the previous one in\n%s" % (pattern, text)
    # Nothing on stderr but the example's own error line: the log went to the file.
    assert "openschannel[" not in r.stderr


def test_trace_session_holds_no_secret_or_plaintext(pki, examples, our_server, tmp_path):
    """Handshake + data + close between our server and our client, both at trace level into one
    file, with SSLKEYLOGFILE in the same run: neither the master secret nor the plaintext
    (either direction) appears in the log, raw or in hex."""
    log = tmp_path / "trace.log"
    keylog = tmp_path / "keys.log"
    env = dict(os.environ, OPENSCHANNEL_LOG="trace", OPENSCHANNEL_LOG_FILE=str(log),
               SSLKEYLOGFILE=str(keylog))
    _, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--echo"],
                         env=env)
    secret_text = "canary-plaintext-4f1d9b2e-do-not-log"
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", secret_text], env=env, timeout=RUN_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert secret_text in r.stdout  # the echo came back through DecryptMessage

    masters = [l.split()[2] for l in keylog.read_text().splitlines() if l.startswith("CLIENT_RANDOM ")]
    assert masters, "SSLKEYLOGFILE recorded no session"
    raw = log.read_bytes()
    text = raw.decode("utf-8", "replace")
    lines = text.splitlines()
    assert all(LINE.match(l) for l in lines), text
    # The session really was logged, at every level down to trace, from both sides.
    for pattern in (r"INFO ctx=\d+ client: negotiated version=TLSv1\.2 suite=TLS_\w+ group=\w+ alpn=none "
                    r"resumed=false",
                    r"INFO ctx=\d+ server: negotiated version=TLSv1\.2",
                    r"DEBUG ctx=\d+ server: handshake received ClientHello len=\d+",
                    r"DEBUG ctx=\d+ client: handshake received Finished len=12",
                    r"TRACE EncryptMessage -> SEC_E_OK", r"TRACE DecryptMessage -> SEC_E_OK",
                    r"DecryptMessage -> SEC_I_CONTEXT_EXPIRED"):
        assert re.search(pattern, text), "no %r in\n%s" % (pattern, text)

    canary = secret_text.encode()
    for m in masters:
        secret = bytes.fromhex(m)
        for needle in (secret, m.encode(), m.upper().encode(), secret[:16].hex().encode()):
            assert needle not in raw, "master secret in the log"
    for needle in (canary, canary.hex().encode(), canary.hex().upper().encode(), canary[:12]):
        assert needle not in raw, "plaintext in the log"
