"""What our programs put on the wire, seen through relay.py (issue 10).

1/n-1 record splitting: at TLS 1.0 with a CBC suite, EncryptMessage writes a
1-byte record and then the rest, so the IV of the second record is not known
to an attacker in advance (BEAST). On by default; off per credential with
--no-record-split (OpenSchannelSetRecordSplitting) or for the whole process
with OPENSCHANNEL_RECORD_SPLITTING=0; never for stream ciphers (RC4). Every
peer must read split data, and our client must read OpenSSL's own
countermeasure, an empty record before each write.

HTTP: tls-server without --echo answers each complete HTTP/1.0 request with
one EncryptMessage call: one record, or two with splitting.

Record body lengths with TLS_RSA_WITH_AES_128_CBC_SHA at TLS 1.0: with
encrypt-then-MAC (RFC 7366, issue 6), which OpenSSL, GnuTLS and curl negotiate
with us, plaintext + padding to 16 with at least one byte, then the 20-byte
MAC: 36 for 0 to 15 bytes. With MAC-then-encrypt (the legacy nassl client):
plaintext + 20 + padding to 16, i.e. 32 for 0 to 11 bytes and 48 for 12 to 27.
The split itself (1 byte, then the rest) is the same either way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from helpers import AES128, NASSL_CLIENT, SUITES, Proc, cbc_record_len, run, wait_text
from relay import Record, parse_log

PEER_TIMEOUT = 10.0
APPLICATION_DATA = 23
LINE = b"hello world\n"  # 12 bytes: 48 whole, 32 + 32 split
RC4_SHA = next(s for s in SUITES if s.iana == "TLS_RSA_WITH_RC4_128_SHA")

HTTP_BODY = b"hello from openschannel\n"
HTTP_RESPONSE = (b"HTTP/1.0 200 OK\r\n"
                 b"Server: openschannel tls-server\r\n"
                 b"Content-Type: text/plain\r\n"
                 b"Content-Length: 24\r\n"
                 b"Connection: keep-alive\r\n"
                 b"\r\n" + HTTP_BODY)

SPLIT_MODES = {
    # mode: (extra tls-server arguments, extra environment, records expected for LINE)
    "default": ([], {}, [cbc_record_len(1, etm=True), cbc_record_len(len(LINE) - 1, etm=True)]),
    "option": (["--no-record-split"], {}, [cbc_record_len(len(LINE), etm=True)]),
    "environment": ([], {"OPENSCHANNEL_RECORD_SPLITTING": "0"}, [cbc_record_len(len(LINE), etm=True)]),
}


def describe(*procs: Proc) -> str:
    return "\n".join(p.describe() for p in procs)


def server_args(pki, *extra: str, suite=AES128) -> list[str]:
    return ["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"), "--once",
            "--protocol", "tls1.0", "--cipher", suite.iana, *extra]


def relayed_records(relay_proc: Proc, direction: str, typ: int = APPLICATION_DATA) -> list[int]:
    """Body lengths of the records of one type the relay saw in one direction,
    once its (single) connection has closed."""
    assert relay_proc.wait_for(r"^conn 1 closed$", PEER_TIMEOUT), relay_proc.describe()
    return [r.length for r in parse_log(relay_proc.output) if r.direction == direction and r.type == typ]


def s_client(procs, port: int, pki, *extra: str) -> Proc:
    return procs.start(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
                        "-cipher", AES128.openssl_cipher_arg, "-CAfile", pki / "ca.pem",
                        "-servername", "localhost", "-verify_return_error", *extra],
                       "openssl s_client", stdin=True)


# --- our server's writes ---------------------------------------------------------------


@pytest.mark.parametrize("mode", list(SPLIT_MODES))
def test_server_echo_records_vs_s_client(mode, pki, procs, our_server, relay):
    args, env, expected = SPLIT_MODES[mode]
    srv, port = our_server(server_args(pki, "--echo", *args), env=dict(os.environ, **env))
    rel, rport = relay(port)
    cli = s_client(procs, rport, pki)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.send(LINE)
    assert cli.wait_for(r"^hello world$", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert srv.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert relayed_records(rel, "s2c") == expected, describe(cli, srv, rel)
    # OpenSSL's own countermeasure on the way in: an empty record, then the line whole.
    assert relayed_records(rel, "c2s") == [cbc_record_len(0, etm=True), cbc_record_len(len(LINE), etm=True)], \
        describe(cli, srv, rel)


def test_server_split_records_vs_gnutls_cli(pki, procs, our_server, relay):
    srv, port = our_server(server_args(pki, "--echo"))
    rel, rport = relay(port)
    cli = procs.start(["gnutls-cli", "--x509cafile", pki / "ca.pem", "-p", str(rport),
                       "--priority", AES128.gnutls_priority, "127.0.0.1"], "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.send(LINE)
    assert cli.wait_for(r"^hello world$", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert relayed_records(rel, "s2c") == SPLIT_MODES["default"][2], describe(cli, srv, rel)
    # GnuTLS does not split or insert empty records.
    assert relayed_records(rel, "c2s") == [cbc_record_len(len(LINE), etm=True)], describe(cli, srv, rel)


def test_server_rc4_is_never_split(pki, procs, our_server, relay):
    """A stream cipher has no IV to predict: one record even with splitting on."""
    srv, port = our_server(server_args(pki, "--echo", suite=RC4_SHA))
    rel, rport = relay(port)
    cli = procs.start(["gnutls-cli", "--x509cafile", pki / "ca.pem", "-p", str(rport),
                       "--priority", RC4_SHA.gnutls_priority, "127.0.0.1"], "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), describe(cli, srv, rel)
    assert "- Description: %s" % RC4_SHA.gnutls_description in cli.output, describe(cli, srv, rel)
    cli.send(LINE)
    assert cli.wait_for(r"^hello world$", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert srv.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert "cipher: %s" % RC4_SHA.iana in srv.output.splitlines(), describe(cli, srv, rel)
    assert relayed_records(rel, "s2c") == [len(LINE) + 20], describe(cli, srv, rel)  # data + SHA-1 MAC


def test_server_split_records_vs_nassl_legacy_client(pki, our_server, relay):
    srv, port = our_server(server_args(pki, "--echo"))
    rel, rport = relay(port)
    r = run([sys.executable, NASSL_CLIENT, "--port", str(rport), "--version", "TLSV1",
             "--cipher", AES128.openssl, "--cafile", pki / "ca.pem", "--servername", "localhost",
             "--send", LINE.decode()], timeout=30)
    text = "nassl rc=%s\n%s%s\n%s" % (r.returncode, r.stdout, r.stderr, describe(srv, rel))
    assert r.returncode == 0, text
    assert "received: %r" % LINE in r.stdout.splitlines(), text
    # OpenSSL 1.0.2 has no encrypt-then-MAC: MAC-then-encrypt records, split as usual.
    assert relayed_records(rel, "s2c") == [cbc_record_len(1), cbc_record_len(len(LINE) - 1)], text


# --- our client's reads and writes ------------------------------------------------------


@pytest.mark.parametrize("split", [True, False], ids=["split", "no-split"])
def test_client_reads_openssl_empty_fragment(split, pki, openssl_server, our_client, relay):
    """s_server -rev answers "hello world" with an empty record and then the
    reversed line (12 bytes, so one 48-byte record: the 32-byte record before it
    carries nothing). Our client prints the line; its own write is split unless
    --no-record-split."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", AES128.openssl_cipher_arg)
    rel, rport = relay(port)
    extra = [] if split else ["--no-record-split"]
    r = our_client(["--host", "127.0.0.1", "--port", str(rport), "--servername", "localhost",
                    "--cafile", str(pki / "ca.pem"), "--protocol", "tls1.0", "--cipher", AES128.iana,
                    "--send", "hello world", *extra])
    text = "tls-client rc=%s\n%s%s\n%s" % (r.returncode, r.stdout, r.stderr, describe(srv, rel))
    assert r.returncode == 0, text
    assert r.stdout.splitlines() == ["protocol: TLSv1.0", "cipher: %s" % AES128.iana, "dlrow olleh"], text
    assert relayed_records(rel, "s2c") == [cbc_record_len(0, etm=True), cbc_record_len(len(LINE), etm=True)], text
    expected_c2s = SPLIT_MODES["default" if split else "option"][2]
    assert relayed_records(rel, "c2s") == expected_c2s, text


# --- HTTP mode ---------------------------------------------------------------------------


def curl(port: int, pki) -> subprocess.CompletedProcess:
    return run(["curl", "--silent", "--show-error", "--max-time", "10", "--tlsv1.0", "--tls-max", "1.0",
                "--ciphers", AES128.openssl_cipher_arg, "--cacert", pki / "ca.pem",
                "--resolve", "localhost:%d:127.0.0.1" % port, "--include",
                "https://localhost:%d/" % port], timeout=20)


@pytest.mark.parametrize("split", [False, True], ids=["no-split", "split"])
def test_http_curl(split, pki, our_server, relay):
    srv, port = our_server(server_args(pki, *([] if split else ["--no-record-split"])))
    rel, rport = relay(port)
    r = curl(rport, pki)
    text = "curl rc=%s\n%s%s\n%s" % (r.returncode, r.stdout, r.stderr, describe(srv, rel))
    assert r.returncode == 0, text
    # --include: the status line and headers, then the body (run() reads text,
    # so CRLF arrives as LF).
    assert r.stdout == HTTP_RESPONSE.decode().replace("\r\n", "\n"), text
    assert srv.wait(PEER_TIMEOUT) == 0, text
    if split:
        expected = [cbc_record_len(1, etm=True), cbc_record_len(len(HTTP_RESPONSE) - 1, etm=True)]
    else:
        expected = [cbc_record_len(len(HTTP_RESPONSE), etm=True)]  # the whole response in ONE record
    assert relayed_records(rel, "s2c") == expected, text


def test_http_s_client_raw_request_one_record(pki, procs, our_server, relay):
    srv, port = our_server(server_args(pki, "--no-record-split"))
    rel, rport = relay(port)
    cli = s_client(procs, rport, pki)  # no -crlf: the bytes go out as given
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.send(b"GET / HTTP/1.0\r\n\r\n")
    assert cli.wait_for(r"^hello from openschannel$", PEER_TIMEOUT), describe(cli, srv, rel)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert HTTP_RESPONSE.decode().replace("\r\n", "\n") in cli.output.replace("\r\n", "\n"), \
        describe(cli, srv, rel)
    assert relayed_records(rel, "s2c") == [cbc_record_len(len(HTTP_RESPONSE), etm=True)], describe(cli, srv, rel)


def test_http_requests_across_records_and_keep_alive(pki, procs, our_server, relay):
    """A request is answered only once its blank line (and announced body) is
    in, however many records it took; later requests on the same connection
    are answered too; an unfinished one never is."""
    srv, port = our_server(server_args(pki, "--no-record-split"))
    rel, rport = relay(port)
    cli = s_client(procs, rport, pki)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), describe(cli, srv, rel)

    def responses() -> int:
        return cli.output.count("HTTP/1.0 200 OK")

    def settle() -> None:
        time.sleep(0.5)

    # 1. Headers in three records.
    for part in (b"GET / HTTP/1.0\r\n", b"Host: localhost\r\n", b"\r"):
        cli.send(part)
        settle()
        assert responses() == 0, describe(cli, srv, rel)
    cli.send(b"\n")
    assert cli.wait_for(r"^hello from openschannel$", PEER_TIMEOUT), describe(cli, srv, rel)
    # 2. A body announced by Content-Length, sent in two parts.
    cli.send(b"POST /form HTTP/1.0\r\nContent-Length: 7\r\n\r\nabc")
    settle()
    assert responses() == 1, describe(cli, srv, rel)
    cli.send(b"defg")
    assert cli.wait_for(r"(?:hello from openschannel\n[\s\S]*){2}", PEER_TIMEOUT), describe(cli, srv, rel)
    # 3. Two requests in one record: two responses.
    cli.send(b"GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n")
    assert cli.wait_for(r"(?:hello from openschannel\n[\s\S]*){4}", PEER_TIMEOUT), describe(cli, srv, rel)
    # 4. Never finished: never answered; the client's close ends the connection.
    cli.send(b"GET /never HTTP/1.0\r\n")
    settle()
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert srv.wait(PEER_TIMEOUT) == 0, describe(cli, srv, rel)
    assert responses() == 4, describe(cli, srv, rel)
    assert relayed_records(rel, "s2c") == [cbc_record_len(len(HTTP_RESPONSE), etm=True)] * 4, describe(cli, srv, rel)
    # The server ended with close_notify (an alert record) after the client's.
    assert relayed_records(rel, "s2c", typ=21) == [cbc_record_len(2, etm=True)], describe(cli, srv, rel)


def test_relay_log_parses():
    """relay.parse_log reads back what relay.py prints."""
    text = "listening: 1\nconn 1 open\n1 c2s type=22 len=79 t=0.012345\n1 s2c type=23 len=32 t=1.5\nconn 1 closed\n"
    assert parse_log(text) == [Record(1, "c2s", 22, 79, 0.012345), Record(1, "s2c", 23, 32, 1.5)]
