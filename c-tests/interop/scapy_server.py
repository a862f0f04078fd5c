"""scapy's TLS server automaton as an SSL 3.0 / TLS 1.0 peer with export suites.

    python3 scapy_server.py --cert server.pem --key server.key [--timeout 20]

Listens on 127.0.0.1 (ephemeral port), prints `listening: <port>`, serves one connection with
scapy's `TLSServerAutomaton` (it answers the client's version and first usable suite, echoes
application data; for RSA export suites with a certificate key over 512 bits it sends a
512-bit temporary RSA key in ServerKeyExchange), then prints `version: 0x0300|0x0301`,
`cipher: <IANA name>`, `temporary key: <bits>|none` and `done`, and exits. The whole run is
bounded by --timeout (exit status 2).
"""

from __future__ import annotations

import argparse
import os
import socket
import threading

from scapy.automaton import ATMT
from scapy.layers.tls.automaton_srv import TLSServerAutomaton


def say(line: str) -> None:
    print(line, flush=True)


class OneShotServer(TLSServerAutomaton):
    """TLSServerAutomaton bound to an ephemeral port that serves exactly one client."""

    served = False

    @ATMT.state()
    def BIND(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.serversocket = s
        self.local_port = s.getsockname()[1]
        say("listening: %d" % self.local_port)
        raise self.WAITING_CLIENT()

    @ATMT.state()
    def WAITING_CLIENT(self):
        self.buffer_out = []
        self.buffer_in = []
        if self.served:
            self.report()
            self.serversocket.close()
            raise self.FINAL()
        self.served = True
        self.socket, addr = self.serversocket.accept()
        self.remote_ip, self.remote_port = addr[:2]
        raise self.INIT_TLS_SESSION()

    def report(self) -> None:
        s = self.cur_session
        say("version: 0x%04x" % (s.tls_version or 0))
        suite = s.rcs.ciphersuite if s.rcs else None
        say("cipher: %s" % (suite.name if suite else "none"))
        temp = getattr(s, "server_tmp_rsa_key", None)
        say("temporary key: %s" % (temp.pubkey.key_size if temp is not None else "none"))
        say("done")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    # Bounded: whatever state the automaton is in, the process ends.
    timer = threading.Timer(args.timeout, lambda: os._exit(2))
    timer.daemon = True
    timer.start()
    srv = OneShotServer(mycert=args.cert, mykey=args.key, is_echo_server=True,
                        max_client_idle_time=args.timeout, verb=False)
    srv.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
