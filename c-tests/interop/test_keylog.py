"""SSLKEYLOGFILE: the NSS key-log line our side writes must be exactly the one
OpenSSL writes for the same connection (same client random, same master
secret). OpenSSL's line is what Wireshark decrypts captures with, so equality
shows a capture of our connection decrypts with our file.

Both roles, TLS 1.2 with ECDHE-GCM (extended master secret) and TLS 1.0 with
RSA key exchange.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from helpers import TLS_CLIENT, run

PEER_TIMEOUT = 10.0

LINE = re.compile(r"^CLIENT_RANDOM ([0-9a-fA-F]{64}) ([0-9a-fA-F]{96})$")


def key_log(path: Path) -> dict[str, str]:
    """client random -> master secret, from a key-log file (comments skipped)."""
    out = {}
    for line in path.read_text().splitlines():
        m = LINE.match(line.strip())
        if m:
            out[m.group(1).lower()] = m.group(2).lower()
    return out


CASES = [
    pytest.param([], ["-no_tls1_3"], "TLSv1.2", id="tls1.2-default"),
    pytest.param(["--protocol", "tls1.0", "--cipher", "TLS_RSA_WITH_AES_128_CBC_SHA"],
                 ["-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0"], "TLSv1.0", id="tls1.0-rsa"),
]


@pytest.mark.parametrize("ours, theirs, version", CASES)
def test_client_key_log_matches_openssl(ours, theirs, version, pki, procs, examples, tmp_path):
    ossl_log, our_log = tmp_path / "openssl.keys", tmp_path / "ours.keys"
    srv, m = procs.start_server(
        ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / "server.pem", "-key",
         pki / "server.key", "-rev", "-keylogfile", ossl_log, *theirs],
        "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    env = dict(os.environ, SSLKEYLOGFILE=str(our_log))
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", m.group(1), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", "ping", *ours], env=env)
    assert r.returncode == 0, r.stdout + r.stderr + srv.describe()
    assert "protocol: %s" % version in r.stdout
    ours_lines = key_log(our_log)
    assert len(ours_lines) == 1, our_log.read_text()
    assert srv.wait_for(r"^CONNECTION CLOSED$", PEER_TIMEOUT), srv.describe()
    assert key_log(ossl_log) == ours_lines


@pytest.mark.parametrize("ours, theirs, version", CASES)
def test_server_key_log_matches_openssl(ours, theirs, version, pki, procs, our_server, tmp_path):
    ossl_log, our_log = tmp_path / "openssl.keys", tmp_path / "ours.keys"
    env = dict(os.environ, SSLKEYLOGFILE=str(our_log))
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--once", "--echo", *ours], env=env)
    cli = procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile",
                       pki / "ca.pem", "-servername", "localhost", "-keylogfile", ossl_log, *theirs],
                      "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.send(b"hello\n")
    assert cli.wait_for(r"^hello$", PEER_TIMEOUT), cli.describe() + srv.describe()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, cli.describe()
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: %s" % version in srv.output
    ours_lines = key_log(our_log)
    assert len(ours_lines) == 1, our_log.read_text()
    assert key_log(ossl_log) == ours_lines
