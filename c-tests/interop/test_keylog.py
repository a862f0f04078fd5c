"""SSLKEYLOGFILE: the NSS key-log line our side writes must be exactly the one
OpenSSL writes for the same connection (same client random, same master
secret). OpenSSL's line is what Wireshark decrypts captures with, so equality
shows a capture of our connection decrypts with our file.

Both roles, TLS 1.2 with ECDHE-GCM (extended master secret) and TLS 1.0 with
RSA key exchange.
"""

from __future__ import annotations

import hashlib
import hmac
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


# --- decrypting a capture with the key log ---------------------------------------------------


def records(stream: bytes) -> list[tuple[int, bytes, bytes]]:
    """(content type, 5-byte header, body) of every whole record in a captured stream."""
    out, at = [], 0
    while at + 5 <= len(stream):
        n = int.from_bytes(stream[at + 3:at + 5], "big")
        out.append((stream[at], stream[at:at + 5], stream[at + 5:at + 5 + n]))
        at += 5 + n
    return out


def p_sha256(secret: bytes, seed: bytes, n: int) -> bytes:
    """The TLS 1.2 PRF's P_SHA256 (RFC 5246 §5), written here from the RFC so the test does
    not use our code to check our code."""
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + seed, hashlib.sha256).digest()
    return out[:n]


def test_capture_of_our_client_decrypts_with_its_key_log(pki, procs, examples, relay, tmp_path):
    """Our client (defaults: TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256 against s_server) logs its
    secret; a capture taken by relay.py is then decrypted in this test with nothing but the
    key-log line: the client's first application record must be the bytes it sent."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    our_log = tmp_path / "ours.keys"
    srv, m = procs.start_server(
        ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", pki / "server.pem", "-key",
         pki / "server.key", "-rev", "-no_tls1_3", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
        "openssl s_server", ready=r"^ACCEPT 127\.0\.0\.1:(\d+)$")
    cap = tmp_path / "capture"
    cap.mkdir()
    rel, rport = relay(int(m.group(1)), capture=cap)
    r = run([TLS_CLIENT, "--host", "127.0.0.1", "--port", str(rport), "--servername", "localhost",
             "--cafile", pki / "ca.pem", "--send", "ping"], env=dict(os.environ, SSLKEYLOGFILE=str(our_log)))
    assert r.returncode == 0, r.stdout + r.stderr + srv.describe()
    assert "cipher: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in r.stdout, r.stdout
    assert rel.wait_for(r"^conn 1 closed$", PEER_TIMEOUT), rel.describe()

    c2s = records((cap / "1.c2s").read_bytes())
    s2c = records((cap / "1.s2c").read_bytes())
    client_random = c2s[0][2][4 + 2:4 + 2 + 32]  # handshake header, client_version, random
    server_random = s2c[0][2][4 + 2:4 + 2 + 32]
    secrets = key_log(our_log)
    assert list(secrets) == [client_random.hex()], (secrets, client_random.hex())
    master = bytes.fromhex(secrets[client_random.hex()])

    # RFC 5246 §6.3 key block for AES-128-GCM: two 16-byte keys, two 4-byte salts.
    block = p_sha256(master, b"key expansion" + server_random + client_random, 40)
    client_key, client_salt = block[:16], block[32:36]
    # Records after our ChangeCipherSpec are encrypted: Finished is sequence 0, data follows.
    ccs = next(i for i, (t, _, _) in enumerate(c2s) if t == 20)
    app = [(seq, h, b) for seq, (t, h, b) in enumerate(c2s[ccs + 1:]) if t == 23]
    assert app, c2s
    seq, header, body = app[0]
    explicit, sealed = body[:8], body[8:]
    aad = seq.to_bytes(8, "big") + header[:3] + (len(sealed) - 16).to_bytes(2, "big")
    plaintext = AESGCM(client_key).decrypt(client_salt + explicit, sealed, aad)
    assert plaintext.startswith(b"ping"), plaintext
