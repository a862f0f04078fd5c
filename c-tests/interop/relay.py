"""A TCP relay that shows TLS records on the wire.

Listens on 127.0.0.1 (ephemeral port), forwards every connection to the
target, and logs the header of each TLS record per direction:

    python3 relay.py --target-port P [--target-host 127.0.0.1]
                     [--lifetime 60] [--connections N] [--capture DIR]

Output on stdout, one flushed line each:

    listening: <port>
    conn 1 open
    1 c2s type=22 len=79 t=0.012345      (client to server, content type, body length)
    1 s2c type=23 len=32 t=0.020000      (server to client)
    1 s2c unparsed                      (bytes that are not TLS records: parsing stops)
    conn 1 closed

With --v2-hello-version V (e.g. 0x0002) the relay plays a man in the middle: the
version field of a client's SSL 2.0-format CLIENT-HELLO (the first bytes of c2s)
is rewritten to V, as in the version-rollback attack of RFC 2246 Appendix E.2.

With --capture DIR the raw bytes of connection N are also written to
DIR/N.c2s and DIR/N.s2c (a capture for the key-log test to decrypt).

It stops by itself after --lifetime seconds, or once --connections
connections have been accepted and closed. Bytes are forwarded unchanged; a
half-close (EOF) is passed on with shutdown(SHUT_WR).

parse_log(text) turns that output back into Record tuples for the tests.
"""

from __future__ import annotations

import argparse
import re
import selectors
import socket
import sys
import time
from typing import NamedTuple, Optional

CONTENT_TYPES = {20, 21, 22, 23}


class Record(NamedTuple):
    conn: int
    direction: str  # "c2s" or "s2c"
    type: int  # TLS content type (20 CCS, 21 alert, 22 handshake, 23 application data)
    length: int  # record body length (header not included)
    t: float  # seconds since the relay started


_LINE = re.compile(r"^(\d+) (c2s|s2c) type=(\d+) len=(\d+) t=([0-9.]+)$", re.M)


def parse_log(text: str) -> list[Record]:
    """Every record line of the relay's output, in order."""
    return [Record(int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)), float(m.group(5)))
            for m in _LINE.finditer(text)]


class Direction:
    """One direction of one connection: forwards bytes and frames records."""

    def __init__(self, conn_id: int, name: str, src: socket.socket, dst: socket.socket, start: float,
                 capture: Optional[str] = None):
        self.capture = open("%s/%d.%s" % (capture, conn_id, name), "wb") if capture else None
        self.conn_id = conn_id
        self.name = name
        self.src = src
        self.dst = dst
        self.start = start
        self.pending = bytearray()  # bytes of the record being framed
        self.skip = 0  # body bytes of the current record still to pass
        self.broken = False
        self.eof = False
        self.seen_first = False

    def frame(self, data: bytes) -> None:
        if self.capture:
            self.capture.write(data)
            self.capture.flush()
        if self.broken:
            return
        self.pending += data
        while True:
            if self.skip:
                n = min(self.skip, len(self.pending))
                del self.pending[:n]
                self.skip -= n
                if self.skip:
                    return
            if len(self.pending) < 5:
                return
            typ, major = self.pending[0], self.pending[1]
            if typ not in CONTENT_TYPES or major != 3:
                self.broken = True
                say("%d %s unparsed" % (self.conn_id, self.name))
                return
            length = (self.pending[3] << 8) | self.pending[4]
            say("%d %s type=%d len=%d t=%.6f" % (self.conn_id, self.name, typ, length,
                                                   time.monotonic() - self.start))
            del self.pending[:5]
            self.skip = length


def rewrite_v2_hello(data: bytes, version: int) -> bytes:
    """Sets the version of an SSL 2.0 CLIENT-HELLO (2-byte header, type 1) at the start of data."""
    if len(data) >= 5 and data[0] & 0x80 and data[2] == 1:
        say("rewrote v2 hello version %04x -> %04x" % (int.from_bytes(data[3:5], "big"), version))
        return data[:3] + version.to_bytes(2, "big") + data[5:]
    return data


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-host", default="127.0.0.1")
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--lifetime", type=float, default=60.0, help="exit after this many seconds")
    ap.add_argument("--connections", type=int, default=0,
                    help="exit once this many connections were relayed and closed (0: no limit)")
    ap.add_argument("--v2-hello-version", type=lambda v: int(v, 0),
                    help="rewrite the version of an SSL 2.0-format CLIENT-HELLO to this value")
    ap.add_argument("--capture", help="write each connection's raw bytes to DIR/<n>.c2s and DIR/<n>.s2c")
    args = ap.parse_args()

    start = time.monotonic()
    deadline = start + args.lifetime
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    lsock.setblocking(False)
    say("listening: %d" % lsock.getsockname()[1])

    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    accepted = closed = 0
    open_conns: dict[int, tuple[Direction, Direction]] = {}

    def close_conn(cid: int) -> None:
        nonlocal closed
        c2s, s2c = open_conns.pop(cid)
        for s in (c2s.src, s2c.src):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        closed += 1
        say("conn %d closed" % cid)

    while time.monotonic() < deadline:
        if args.connections and closed >= args.connections:
            break
        for key, _ in sel.select(timeout=min(0.5, max(0.0, deadline - time.monotonic()))):
            if key.data is None:
                try:
                    client, _ = lsock.accept()
                except BlockingIOError:
                    continue
                if args.connections and accepted >= args.connections:
                    client.close()
                    continue
                accepted += 1
                cid = accepted
                try:
                    server = socket.create_connection((args.target_host, args.target_port), timeout=5)
                except OSError as exc:
                    say("conn %d connect failed: %s" % (cid, exc))
                    client.close()
                    closed += 1
                    continue
                client.setblocking(False)
                server.setblocking(False)
                for s in (client, server):
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                c2s = Direction(cid, "c2s", client, server, start, args.capture)
                s2c = Direction(cid, "s2c", server, client, start, args.capture)
                open_conns[cid] = (c2s, s2c)
                sel.register(client, selectors.EVENT_READ, c2s)
                sel.register(server, selectors.EVENT_READ, s2c)
                say("conn %d open" % cid)
                continue
            d: Direction = key.data
            if d.conn_id not in open_conns:
                continue
            try:
                data = d.src.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                if args.v2_hello_version is not None and d.name == "c2s" and not d.seen_first:
                    data = rewrite_v2_hello(data, args.v2_hello_version)
                d.seen_first = True
                d.frame(data)
                try:
                    d.dst.setblocking(True)
                    d.dst.settimeout(5)
                    d.dst.sendall(data)
                except OSError:
                    close_conn(d.conn_id)
                    continue
                finally:
                    if d.conn_id in open_conns:
                        d.dst.setblocking(False)
                continue
            # EOF (or reset) on this direction: pass the half-close on.
            d.eof = True
            try:
                sel.unregister(d.src)
            except (KeyError, ValueError):
                pass
            try:
                d.dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            a, b = open_conns[d.conn_id]
            if a.eof and b.eof:
                close_conn(d.conn_id)
    for cid in list(open_conns):
        close_conn(cid)
    lsock.close()
    say("relay done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
