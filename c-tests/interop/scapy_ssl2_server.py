"""scapy's TLS server automaton as an SSL 2.0 peer for the interop suite.

    python3 scapy_ssl2_server.py --cert server.pem --key server.key [--connections 1] [--lifetime 30]

Listens on 127.0.0.1 (ephemeral port), prints `listening: <port>`, then serves
--connections connections with scapy's TLSServerAutomaton, which answers an SSL 2.0
CLIENT-HELLO in SSL 2.0 (its SERVER-HELLO lists every SSL 2.0 kind; the client picks)
and echoes each record of application data. scapy prints `> Received: <bytes>` per
record. Exits after the last connection or after --lifetime seconds, whichever is first.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from scapy.automaton import ATMT
from scapy.layers.tls.automaton_srv import TLSServerAutomaton


def say(line: str) -> None:
    print(line, flush=True)


class BoundedServer(TLSServerAutomaton):
    """Binds an ephemeral port and reports it; stops after a number of connections."""

    def parse_args(self, connections: int = 1, **kargs):
        self.connections_left = connections
        super().parse_args(**kargs)

    @ATMT.state()
    def BIND(self):
        import socket

        s = socket.socket(self.ip_family, socket.SOCK_STREAM)
        self.serversocket = s
        s.bind((self.local_ip, 0))
        s.listen(1)
        self.local_port = s.getsockname()[1]
        say("listening: %d" % self.local_port)
        raise self.WAITING_CLIENT()

    @ATMT.state()
    def WAITING_CLIENT(self):
        if self.connections_left == 0:
            raise self.FINAL()
        self.connections_left -= 1
        self.buffer_out = []
        self.buffer_in = []
        self.socket, addr = self.serversocket.accept()
        self.remote_ip, self.remote_port = addr[0], addr[1]
        raise self.INIT_TLS_SESSION()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--lifetime", type=float, default=30.0)
    args = ap.parse_args()
    # The automaton blocks in accept() and recv(); the lifetime bounds it whatever the peer does.
    timer = threading.Timer(args.lifetime, lambda: os._exit(3))
    timer.daemon = True
    timer.start()
    srv = BoundedServer(server="127.0.0.1", sport=0, mycert=args.cert, mykey=args.key,
                        connections=args.connections, is_echo_server=True, max_client_idle_time=5)
    srv.run()
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
