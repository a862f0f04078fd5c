"""Interop tests of sessions: resumption and renegotiation.

Resumption: OpenSSL's s_client (-reconnect, -sess_out/-sess_in) against our
tls-server, and our tls-client --reconnect against openssl s_server, gnutls-serv
and our own server. Both programs print "reused: yes|no" per connection
(from SECPKG_ATTR_SESSION_INFO).

Renegotiation: started by either side, with RFC 5746 peers (OpenSSL 3, GnuTLS)
and with a legacy GnuTLS client (%DISABLE_SAFE_RENEGOTIATION), which our
default policy refuses. Our programs print "renegotiated" when a new handshake
completes and "renegotiation declined" when their policy refused one.

Everything runs on 127.0.0.1, TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA.
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from helpers import AES128, TLS_CLIENT, Proc, strip_msg_log, wait_text

PEER_TIMEOUT = 10.0  # seconds to wait for a peer to answer or exit
S_CLIENT_CIPHER = AES128.openssl_cipher_arg
LEGACY_PRIORITY = AES128.gnutls_priority + ":%DISABLE_SAFE_RENEGOTIATION"


def explain(r: subprocess.CompletedProcess | None, *peers: Proc) -> str:
    text = ""
    if r is not None:
        text = "tls-client rc=%s\n--- stdout ---\n%s--- stderr ---\n%s" % (
            r.returncode, r.stdout, r.stderr)
    for p in peers:
        text += "\n" + p.describe()
    return text


def client_args(port: int, pki, *extra: str) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
            "--cafile", str(pki / "ca.pem"), "--protocol", "tls1.0", "--cipher", AES128.iana,
            *extra]


def server_args(pki, *extra: str) -> list[str]:
    return ["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
            "--protocol", "tls1.0", "--cipher", AES128.iana, *extra]


def s_client_cmd(port: int, pki, *extra: str) -> list:
    return ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
            "-cipher", S_CLIENT_CIPHER, "-CAfile", pki / "ca.pem", "-servername", "localhost",
            "-verify_return_error", *extra]


def gnutls_cli_cmd(port: int, pki, priority: str, *extra: str) -> list:
    return ["gnutls-cli", "--x509cafile", pki / "ca.pem", "-p", str(port),
            "--priority", priority, *extra, "127.0.0.1"]


def lines(text: str) -> list[str]:
    return text.splitlines()


def wait_lines(p: Proc, line: str, count: int, timeout: float = PEER_TIMEOUT) -> bool:
    """Waits until `line` appears `count` times as a whole line of p's output."""
    rx = r"(?:^%s$[\s\S]*){%d}" % (re.escape(line), count)
    return p.wait_for(rx, timeout) is not None


# --- resumption: real clients against our server ---------------------------------------


def test_s_client_reconnect_resumes(pki, procs, our_server):
    srv, port = our_server(server_args(pki, "--echo"))
    # -reconnect: one full handshake, then five reconnections offering the session.
    r = subprocess.run([str(c) for c in s_client_cmd(port, pki, "-reconnect")],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=30)
    out = r.stdout
    assert r.returncode == 0, out + srv.describe()
    new = re.findall(r"^New, .*Cipher is AES128-SHA$", out, re.M)
    reused = re.findall(r"^Reused, .*Cipher is AES128-SHA$", out, re.M)
    assert (len(new), len(reused)) == (1, 5), out + srv.describe()
    assert wait_lines(srv, "reused: yes", 5), srv.describe()
    got = [l for l in lines(srv.output) if l.startswith("reused: ")]
    assert got == ["reused: no"] + ["reused: yes"] * 5, srv.describe()
    assert not any(l.startswith("error:") for l in lines(srv.output)), srv.describe()


@pytest.mark.parametrize("ticket", [False, True], ids=["session-id", "ticket"])
def test_s_client_sess_out_sess_in(ticket, pki, procs, our_server, tmp_path):
    """s_client saves the session and resumes it: by session ID (-no_ticket), or by the
    RFC 5077 ticket our server issued (the default since issue 6)."""
    srv, port = our_server(server_args(pki, "--echo"))
    sess = tmp_path / "session.pem"
    outs = []
    for opt in (["-sess_out", sess], ["-sess_in", sess]):
        extra = [] if ticket else ["-no_ticket"]
        r = subprocess.run([str(c) for c in s_client_cmd(port, pki, *opt, *extra)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=30)
        assert r.returncode == 0, r.stdout + srv.describe()
        outs.append(r.stdout)
    assert re.search(r"^New, ", outs[0], re.M), outs[0]
    assert re.search(r"^Reused, ", outs[1], re.M), outs[1]
    ids = [re.search(r"^\s*Session-ID: ([0-9A-F]+)$", o, re.M).group(1) for o in outs]
    if ticket:
        # The ticket travels with the saved session; the client picks a fresh ID to spot the
        # resumption, which the server echoes (RFC 5077 §3.4).
        assert "TLS session ticket:" in outs[0], outs[0]
        assert len(ids[1]) == 64, ids
    else:
        assert "TLS session ticket:" not in outs[0], outs[0]
        assert ids[0] == ids[1] and len(ids[0]) == 64, ids
    assert wait_lines(srv, "reused: yes", 1), srv.describe()
    got = [l for l in lines(srv.output) if l.startswith("reused: ")]
    assert got == ["reused: no", "reused: yes"], srv.describe()


# --- resumption: our client against real servers -----------------------------------------


def expect_reconnects(r: subprocess.CompletedProcess, n: int, reply: str, *peers: Proc) -> None:
    """tls-client --reconnect n: n + 1 connections, the first new, the rest resumed,
    each with its reply."""
    assert r.returncode == 0, explain(r, *peers)
    conn = ["protocol: TLSv1.0", "cipher: %s" % AES128.iana]
    want = conn + ["reused: no", reply] + (conn + ["reused: yes", reply]) * n
    assert lines(r.stdout) == want, explain(r, *peers)


def test_client_reconnect_vs_openssl_s_server(pki, openssl_server, our_client):
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER)
    r = our_client(client_args(port, pki, "--send", "ping", "--reconnect", "3"), timeout=40)
    expect_reconnects(r, 3, "gnip", srv)
    # s_server -msg: four ServerHellos, but a Certificate only in the full handshake.
    assert srv.wait_for(r"(?:^CONNECTION CLOSED$[\s\S]*){4}", 5), explain(r, srv)
    out = srv.output
    assert len(re.findall(r"^>>> TLS 1\.0, Handshake \[length [0-9a-f]+\], ServerHello$", out, re.M)) == 4, \
        explain(r, srv)
    assert len(re.findall(r"^>>> TLS 1\.0, Handshake \[length [0-9a-f]+\], Certificate$", out, re.M)) == 1, \
        explain(r, srv)


def test_client_reconnect_vs_gnutls_serv(pki, gnutls_server, our_client):
    # --noticket: no session tickets, so resumption goes through the session ID.
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", AES128.gnutls_priority,
                              ["--noticket"])
    r = our_client(client_args(port, pki, "--send", "ping", "--reconnect", "3"), timeout=40)
    expect_reconnects(r, 3, "ping", srv)
    assert srv.wait_for(r"(?:^\*\*\* This is a resumed session$[\s\S]*){3}", 5), explain(r, srv)
    assert len(re.findall(r"^\*\*\* This is a resumed session$", srv.output, re.M)) == 3, \
        explain(r, srv)


def test_client_reconnect_vs_our_server(pki, our_server, our_client):
    srv, port = our_server(server_args(pki, "--echo"))
    r = our_client(client_args(port, pki, "--send", "ping", "--reconnect", "2"), timeout=40)
    expect_reconnects(r, 2, "ping", srv)
    assert wait_lines(srv, "reused: yes", 2), srv.describe()
    got = [l for l in lines(srv.output) if l.startswith("reused: ")]
    assert got == ["reused: no", "reused: yes", "reused: yes"], srv.describe()


def test_client_without_reconnect_prints_no_reused_line(pki, openssl_server, our_client):
    """The output of a plain run is unchanged (the command line is a contract)."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER)
    r = our_client(client_args(port, pki, "--send", "ping"))
    assert r.returncode == 0, explain(r, srv)
    assert lines(r.stdout) == ["protocol: TLSv1.0", "cipher: %s" % AES128.iana, "gnip"], explain(r, srv)


# --- renegotiation: real clients against our server ---------------------------------------


def test_s_client_renegotiates_with_our_server(pki, procs, our_server):
    """Typing R in s_client's interactive mode starts a renegotiation."""
    srv, port = our_server(server_args(pki, "--echo", "--once"))
    cli = procs.start(s_client_cmd(port, pki), "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), explain(None, cli, srv)
    assert "Secure Renegotiation IS supported" in cli.output, explain(None, cli, srv)
    cli.send(b"before\n")
    assert cli.wait_for(r"^before$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.send(b"R\n")
    assert cli.wait_for(r"^RENEGOTIATING$", PEER_TIMEOUT), explain(None, cli, srv)
    assert srv.wait_for(r"^renegotiated$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.send(b"after\n")
    assert cli.wait_for(r"^after$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "renegotiation declined" not in srv.output, srv.describe()


def test_our_server_renegotiates_with_s_client(pki, procs, our_server):
    """tls-server --renegotiate-after 1: after the first line the server sends a
    HelloRequest; s_client renegotiates and the second line still echoes."""
    srv, port = our_server(server_args(pki, "--echo", "--once", "--renegotiate-after", "1"))
    cli = procs.start(s_client_cmd(port, pki, "-msg"), "openssl s_client", stdin=True)
    assert cli.wait_for(r"Verify return code: 0 \(ok\)", PEER_TIMEOUT), explain(None, cli, srv)
    cli.send(b"first line\n")
    assert srv.wait_for(r"^renegotiated$", PEER_TIMEOUT), explain(None, cli, srv)
    assert cli.wait_for(r"HelloRequest$", PEER_TIMEOUT), explain(None, cli, srv)
    time.sleep(0.3)
    cli.send(b"second line\n")
    # Our echo is split 1/n-1: s_client prints "s", its -msg log, "econd line".
    assert wait_text(cli, r"^second line$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    out = cli.output
    text = strip_msg_log(out)
    assert re.search(r"^first line$", text, re.M), explain(None, cli, srv)
    assert re.search(r"^second line$", text, re.M), explain(None, cli, srv)
    # Two handshakes on the wire: two ClientHellos out, two ServerHellos in, one HelloRequest.
    assert len(re.findall(r"^>>> .*, ClientHello$", out, re.M)) == 2, explain(None, cli, srv)
    assert len(re.findall(r"^<<< .*, ServerHello$", out, re.M)) == 2, explain(None, cli, srv)
    assert len(re.findall(r"^<<< .*, HelloRequest$", out, re.M)) == 1, explain(None, cli, srv)
    assert "Secure Renegotiation IS supported" in out, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()


def gnutls_rehandshake(procs, pki, port: int, priority: str) -> Proc:
    """gnutls-cli --rehandshake: handshake, rehandshake at once, then a line."""
    cli = procs.start(gnutls_cli_cmd(port, pki, priority, "--rehandshake"), "gnutls-cli",
                      stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), cli.describe()
    return cli


def test_gnutls_cli_rehandshake_safe(pki, procs, our_server):
    srv, port = our_server(server_args(pki, "--echo", "--once"))
    cli = gnutls_rehandshake(procs, pki, port, AES128.gnutls_priority)
    assert cli.wait_for(r"^- ReHandshake was completed$", PEER_TIMEOUT), explain(None, cli, srv)
    # gnutls-cli lists the options it negotiated; extended master secret may precede it.
    assert re.search(r"^- Options: .*safe renegotiation,", cli.output, re.M), explain(None, cli, srv)
    cli.send(b"after rehandshake\n")
    assert cli.wait_for(r"^after rehandshake$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "renegotiated" in lines(srv.output), srv.describe()


def test_gnutls_cli_legacy_rehandshake_refused_by_default(pki, procs, our_server, our_client):
    """A peer without RFC 5746: our default policy answers its new ClientHello
    with a no_renegotiation warning. gnutls-cli retries after every warning
    (16 times), then gives up with a fatal internal_error alert, which the
    server reports as SEC_E_ILLEGAL_MESSAGE, as Schannel reports a received
    fatal alert (SEC_E_INTERNAL_ERROR is only ever a fault of ours); the server
    process itself goes on serving."""
    srv, port = our_server(server_args(pki, "--echo"))
    cli = gnutls_rehandshake(procs, pki, port, LEGACY_PRIORITY)
    assert cli.wait_for(r"^\*\*\* ReHandshake has failed$", PEER_TIMEOUT), explain(None, cli, srv)
    assert "safe renegotiation" not in cli.output, explain(None, cli, srv)
    assert re.search(r"^\*\*\* Received alert \[100\]: No renegotiation is allowed$", cli.output, re.M), \
        explain(None, cli, srv)
    cli.stop()
    assert srv.wait_for(r"^renegotiation declined$", 5), srv.describe()
    assert "renegotiated" not in lines(srv.output), srv.describe()
    assert srv.wait_for(r"^error: SEC_E_ILLEGAL_MESSAGE \(0x80090326\)$", 5), srv.describe()
    assert "SEC_E_INTERNAL_ERROR" not in srv.output, srv.describe()
    # Still serving.
    r = our_client(client_args(port, pki, "--send", "still there"))
    assert r.returncode == 0 and lines(r.stdout)[-1] == "still there", explain(r, srv)


def test_gnutls_cli_legacy_rehandshake_allowed_by_option(pki, procs, our_server):
    srv, port = our_server(server_args(pki, "--echo", "--once", "--allow-insecure-renegotiation"))
    cli = gnutls_rehandshake(procs, pki, port, LEGACY_PRIORITY)
    assert cli.wait_for(r"^- ReHandshake was completed$", PEER_TIMEOUT), explain(None, cli, srv)
    assert "safe renegotiation" not in cli.output, explain(None, cli, srv)
    cli.send(b"insecure but allowed\n")
    assert cli.wait_for(r"^insecure but allowed$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "renegotiated" in lines(srv.output), srv.describe()


def test_refuse_renegotiation_option(pki, procs, our_server):
    """--refuse-renegotiation declines even an RFC 5746 peer."""
    srv, port = our_server(server_args(pki, "--echo", "--refuse-renegotiation"))
    cli = gnutls_rehandshake(procs, pki, port, AES128.gnutls_priority)
    assert cli.wait_for(r"^\*\*\* ReHandshake has failed$", PEER_TIMEOUT), explain(None, cli, srv)
    assert re.search(r"^\*\*\* Received alert \[100\]: No renegotiation is allowed$", cli.output, re.M), \
        explain(None, cli, srv)
    assert srv.wait_for(r"^renegotiation declined$", 5), srv.describe()
    assert "renegotiated" not in lines(srv.output), srv.describe()


def test_our_server_does_not_start_insecure_renegotiation(pki, procs, our_server):
    """--renegotiate-after 0 with a legacy client: the policy forbids it, the
    server says so and the connection goes on with the first keys."""
    srv, port = our_server(server_args(pki, "--echo", "--once", "--renegotiate-after", "0"))
    cli = procs.start(gnutls_cli_cmd(port, pki, LEGACY_PRIORITY), "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), explain(None, cli, srv)
    assert srv.wait_for(r"^renegotiation declined: SEC_E_\w+ \(0x[0-9a-f]{8}\)$", PEER_TIMEOUT), \
        explain(None, cli, srv)
    cli.send(b"no renegotiation here\n")
    assert cli.wait_for(r"^no renegotiation here$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "renegotiated" not in lines(srv.output), srv.describe()


def test_gnutls_cli_follows_our_hello_request(pki, procs, our_server):
    srv, port = our_server(server_args(pki, "--echo", "--once", "--renegotiate-after", "1"))
    cli = procs.start(gnutls_cli_cmd(port, pki, AES128.gnutls_priority), "gnutls-cli", stdin=True)
    assert cli.wait_for(r"^- Handshake was completed$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.send(b"one\n")
    assert cli.wait_for(r"^\*\*\* Rehandshake was performed\.$", PEER_TIMEOUT), explain(None, cli, srv)
    assert srv.wait_for(r"^renegotiated$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.send(b"two\n")
    assert cli.wait_for(r"^two$", PEER_TIMEOUT), explain(None, cli, srv)
    assert re.search(r"^one$", cli.output, re.M), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()


# --- renegotiation: our client against real servers ---------------------------------------


def start_our_client(procs, args) -> Proc:
    return procs.start([TLS_CLIENT, *args], "tls-client")


def test_openssl_s_server_renegotiates_with_our_client(pki, procs, openssl_server):
    """s_server's "r" command sends a HelloRequest; our client renegotiates and
    still receives what s_server sends afterwards."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER,
                               rev=False, stdin=True)
    cli = start_our_client(procs, client_args(port, pki, "--send", "before"))
    # Our client splits "before\n" 1/n-1, so s_server prints "b" and "efore"
    # around its -msg log of the second record.
    assert wait_text(srv, r"^before$", PEER_TIMEOUT), explain(None, cli, srv)
    srv.send(b"r\n")
    assert srv.wait_for(r"^SSL_do_handshake -> 1$", PEER_TIMEOUT), explain(None, cli, srv)
    assert cli.wait_for(r"^renegotiated$", PEER_TIMEOUT), explain(None, cli, srv)
    srv.send(b"data after\n")
    assert cli.wait_for(r"^data after$", PEER_TIMEOUT), explain(None, cli, srv)
    # The client stops after 2 s of silence, with close_notify.
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert lines(cli.output) == ["protocol: TLSv1.0", "cipher: %s" % AES128.iana, "renegotiated",
                                 "data after"], explain(None, cli, srv)
    out = srv.output
    assert len(re.findall(r"^<<< .*, ClientHello$", out, re.M)) == 2, explain(None, cli, srv)
    assert len(re.findall(r"^>>> .*, HelloRequest$", out, re.M)) == 1, explain(None, cli, srv)
    assert "Secure Renegotiation IS supported" in out, explain(None, cli, srv)
    assert srv.wait_for(r"^<<< TLS 1\.0, Alert \[length 0002\], warning close_notify$", 5), \
        explain(None, cli, srv)


def test_our_client_refuses_s_server_renegotiation(pki, procs, openssl_server):
    """--refuse-renegotiation: our client answers the HelloRequest with a
    no_renegotiation warning. OpenSSL treats that as fatal (handshake_failure)."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER,
                               rev=False, stdin=True)
    cli = start_our_client(procs, client_args(port, pki, "--send", "before",
                                              "--refuse-renegotiation"))
    # Our client splits "before\n" 1/n-1, so s_server prints "b" and "efore"
    # around its -msg log of the second record.
    assert wait_text(srv, r"^before$", PEER_TIMEOUT), explain(None, cli, srv)
    srv.send(b"r\n")
    assert cli.wait_for(r"^renegotiation declined$", PEER_TIMEOUT), explain(None, cli, srv)
    assert srv.wait_for(r"^<<< TLS 1\.0, Alert \[length 0002\], warning no_renegotiation$", PEER_TIMEOUT), \
        explain(None, cli, srv)
    assert srv.wait_for(r"^>>> TLS 1\.0, Alert \[length 0002\], fatal handshake_failure$", PEER_TIMEOUT), \
        explain(None, cli, srv)
    assert cli.wait(PEER_TIMEOUT) == 1, explain(None, cli, srv)
    assert "renegotiated" not in lines(cli.output), explain(None, cli, srv)
    assert "error: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in lines(cli.output), explain(None, cli, srv)


def test_our_client_starts_renegotiation_vs_s_server(pki, openssl_server, our_client):
    """tls-client --renegotiate-after 0 against s_server -client_renegotiation."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER,
                               extra=["-client_renegotiation"])
    r = our_client(client_args(port, pki, "--send", "ping", "--renegotiate-after", "0"))
    assert r.returncode == 0, explain(r, srv)
    assert lines(r.stdout) == ["protocol: TLSv1.0", "cipher: %s" % AES128.iana, "renegotiated",
                               "gnip"], explain(r, srv)
    assert srv.wait_for(r"^CONNECTION CLOSED$", 5), explain(r, srv)
    assert len(re.findall(r"^<<< .*, ClientHello$", srv.output, re.M)) == 2, explain(r, srv)


def test_our_client_starts_renegotiation_vs_gnutls_serv(pki, gnutls_server, our_client):
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", AES128.gnutls_priority)
    r = our_client(client_args(port, pki, "--send", "ping", "--renegotiate-after", "0"))
    assert r.returncode == 0, explain(r, srv)
    assert lines(r.stdout) == ["protocol: TLSv1.0", "cipher: %s" % AES128.iana, "renegotiated",
                               "ping"], explain(r, srv)
    # gnutls-serv reports the client's new hello, and -d 4+ logs both.
    assert srv.wait_for(r"^\*\*\* Received hello message$", 5), explain(r, srv)
    assert len(re.findall(r"HSK\[\w+\]: CLIENT HELLO \(1\) was received", srv.output)) == 2, explain(r, srv)


def test_our_client_and_server_renegotiate(pki, our_server, our_client):
    """Both directions between our own programs: the client starts one right
    after the handshake, the server one after the first record."""
    srv, port = our_server(server_args(pki, "--echo", "--once", "--renegotiate-after", "1"))
    # --no-record-split: "ping\n" in one record, so the server's first record is
    # the whole line (with splitting it would renegotiate after the "p").
    r = our_client(client_args(port, pki, "--send", "ping", "--renegotiate-after", "0",
                               "--no-record-split"))
    assert r.returncode == 0, explain(r, srv)
    assert lines(r.stdout) == ["protocol: TLSv1.0", "cipher: %s" % AES128.iana, "renegotiated",
                               "ping", "renegotiated"], explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert lines(srv.output).count("renegotiated") == 2, srv.describe()


def test_our_client_renegotiation_declined_by_s_server(pki, openssl_server, our_client):
    """s_server without -client_renegotiation answers our ClientHello with a
    no_renegotiation warning and goes on; the client should go on too."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER)
    r = our_client(client_args(port, pki, "--send", "ping", "--renegotiate-after", "0"))
    assert srv.wait_for(r"^>>> TLS 1\.0, Alert \[length 0002\], warning no_renegotiation$", 5), \
        explain(r, srv)
    assert r.returncode == 0, explain(r, srv)
    assert lines(r.stdout)[-1] == "gnip", explain(r, srv)


def test_data_arriving_during_renegotiation_is_kept(pki, our_server, our_client):
    """Application data that reaches the client inside its renegotiation
    handshake is returned by the next DecryptMessage, from the context's memory.

    The server echoes "ping\n" split 1/n-1 ("p", then "ing\n", in one send).
    The client starts a renegotiation after the first record, so the second
    goes through InitializeSecurityContext (queued) and comes out of
    DecryptMessage after the handshake: "p", "renegotiated", "ing"."""
    srv, port = our_server(server_args(pki, "--echo", "--once"))
    r = our_client(client_args(port, pki, "--send", "ping", "--renegotiate-after", "1"))
    assert r.returncode == 0, explain(r, srv)
    assert r.stdout == "protocol: TLSv1.0\ncipher: %s\np" "renegotiated\ning\n" % AES128.iana, \
        explain(r, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "renegotiated" in lines(srv.output), srv.describe()


# --- session tickets (RFC 5077) -------------------------------------------------------------


def test_client_resumes_by_ticket_vs_openssl_s_server(pki, openssl_server, our_client):
    """-no_cache: s_server keeps no session IDs, so every resumption is by ticket."""
    srv, port = openssl_server(pki / "server.pem", pki / "server.key", S_CLIENT_CIPHER, ["-no_cache"])
    r = our_client(client_args(port, pki, "--send", "ping", "--reconnect", "3"), timeout=40)
    expect_reconnects(r, 3, "gnip", srv)
    assert srv.wait_for(r"(?:^CONNECTION CLOSED$[\s\S]*){4}", 5), explain(r, srv)
    # Four ServerHellos; the ticket (issued once: OpenSSL does not renew it on resumption)
    # and the Certificate only in the full handshake.
    out = srv.output
    assert len(re.findall(r"^>>> TLS 1\.0, Handshake \[length [0-9a-f]+\], ServerHello$", out, re.M)) == 4, \
        explain(r, srv)
    assert len(re.findall(r"^>>> TLS 1\.0, Handshake \[length [0-9a-f]+\], NewSessionTicket$", out, re.M)) == 1, \
        explain(r, srv)
    assert len(re.findall(r"^>>> TLS 1\.0, Handshake \[length [0-9a-f]+\], Certificate$", out, re.M)) == 1, \
        explain(r, srv)


def test_client_resumes_by_ticket_vs_gnutls_serv(pki, gnutls_server, our_client):
    """gnutls-serv with tickets on (its default) and no session-ID cache: --nodb."""
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", AES128.gnutls_priority, ["--nodb"])
    r = our_client(client_args(port, pki, "--send", "ping", "--reconnect", "2"), timeout=40)
    expect_reconnects(r, 2, "ping", srv)
    assert srv.wait_for(r"(?:^\*\*\* This is a resumed session$[\s\S]*){2}", 5), explain(r, srv)


# --- renegotiation at TLS 1.2 (renegotiation_info kept working, issue 6) ---------------------

TLS12_PRIORITY = "NORMAL:-VERS-ALL:+VERS-TLS1.2"


def test_gnutls_cli_rehandshake_safe_tls12(pki, procs, our_server):
    """Library defaults on our side; gnutls-cli limited to TLS 1.2 renegotiates with RFC 5746."""
    srv, port = our_server(["--cert", str(pki / "server.pem"), "--key", str(pki / "server.key"),
                            "--echo", "--once"])
    cli = gnutls_rehandshake(procs, pki, port, TLS12_PRIORITY)
    assert cli.wait_for(r"^- ReHandshake was completed$", PEER_TIMEOUT), explain(None, cli, srv)
    assert re.search(r"^- Description: \(TLS1\.2-X\.509\)-\(ECDHE-", cli.output, re.M), explain(None, cli, srv)
    assert re.search(r"^- Options: .*safe renegotiation,", cli.output, re.M), explain(None, cli, srv)
    cli.send(b"after a TLS 1.2 rehandshake\n")
    assert cli.wait_for(r"^after a TLS 1\.2 rehandshake$", PEER_TIMEOUT), explain(None, cli, srv)
    cli.close_stdin()
    assert cli.wait(PEER_TIMEOUT) == 0, explain(None, cli, srv)
    assert srv.wait(PEER_TIMEOUT) == 0, srv.describe()
    assert "protocol: TLSv1.2" in lines(srv.output) and "renegotiated" in lines(srv.output), srv.describe()


def test_our_client_renegotiates_tls12_vs_gnutls_serv(pki, gnutls_server, our_client):
    srv, port = gnutls_server(pki / "server.pem", pki / "server.key", TLS12_PRIORITY)
    r = our_client(["--host", "127.0.0.1", "--port", str(port), "--servername", "localhost",
                    "--cafile", str(pki / "ca.pem"), "--send", "ping", "--renegotiate-after", "0"])
    assert r.returncode == 0, explain(r, srv)
    out = lines(r.stdout)
    assert out[0] == "protocol: TLSv1.2" and "renegotiated" in out and out[-1] == "ping", explain(r, srv)
    assert srv.wait_for(r"^\*\*\* Received hello message$", 5), explain(r, srv)
    assert len(re.findall(r"HSK\[\w+\]: CLIENT HELLO \(1\) was received", srv.output)) == 2, explain(r, srv)
