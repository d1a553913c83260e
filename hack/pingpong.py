#!/usr/bin/env python3
"""A round-trip probe with no runtime of its own: blocking sockets, one
thread per connection, meshbench's TCP echo framing (4-byte big-endian
length, then the payload), so `ping` also works against `meshbench serve`
(port 7000).

  pingpong.py serve HOST:PORT           # echo server, one thread per client
  pingpong.py ping HOST:PORT [N] [SIZE]  # N round trips of SIZE bytes, 1 ms apart

`ping` prints p50 and p99 of the round trips after the first 1,000 (warm-up;
the first fifth when N is smaller).
Used by the README's "Where a round trip's time goes" to tell the datapath's
share from the Go runtime's and the scheduler's.
"""
import socket
import struct
import sys
import threading
import time


def addr(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def recv_exact(c, view, n):
    got = 0
    while got < n:
        r = c.recv_into(view[got:n])
        if r == 0:
            return False
        got += r
    return True


def echo(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = memoryview(bytearray(1 << 20))
    with c:
        while recv_exact(c, buf, 4):
            n = struct.unpack(">I", buf[:4])[0]
            if n > len(buf) - 4 or not recv_exact(c, buf[4:], n):
                return
            c.sendall(buf[: 4 + n])


def serve(a):
    host, port = addr(a)
    ln = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    while True:
        c, _ = ln.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def ping(a, n=6000, size=1024):
    c = socket.create_connection(addr(a))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = struct.pack(">I", size) + bytes(size)
    resp = memoryview(bytearray(4 + size))
    lat = []
    for _ in range(n):
        t = time.perf_counter_ns()
        c.sendall(req)
        if not recv_exact(c, resp, 4 + size):
            sys.exit("pingpong: the server closed the connection")
        lat.append((time.perf_counter_ns() - t) / 1000)
        time.sleep(0.001)
    lat = sorted(lat[min(1000, n // 5):])
    print("round trip µs: p50 %.1f p99 %.1f (%d samples)" % (lat[len(lat) // 2], lat[int(len(lat) * 0.99)], len(lat)))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("serve", "ping"):
        sys.exit(__doc__)
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        ping(sys.argv[2], *(int(x) for x in sys.argv[3:5]))
