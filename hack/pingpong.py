#!/usr/bin/env python3
"""Round-trip and stream peers with no event loop or scheduler of their
own: blocking sockets, one thread per connection, and meshbench's wire
protocols, so each side also works against meshbench's own (`ping` against
`meshbench serve` on port 7000, `sink` against its stream port 7001, and
`meshbench load --protocol stream` against `source`).

  pingpong.py serve HOST:PORT            # echo server, one thread per client
  pingpong.py ping HOST:PORT [N] [SIZE]   # N round trips of SIZE bytes, 1 ms apart
  pingpong.py source HOST:PORT           # stream server: after a 4-byte size N, N-byte writes
  pingpong.py sink HOST:PORT SIZE        # asks for SIZE-byte writes, reads 1 s, then counts 3 s

`ping` prints p50 and p99 of the round trips after the first 1,000 (warm-up;
the first fifth when N is smaller).
Used by the README's "Where a round trip's time goes" to tell the datapath's
share from the Go runtime's and the scheduler's, and by its iperf3
comparison to tell whose sender is slower.
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


def pour(c):
    with c:
        hdr = memoryview(bytearray(4))
        if not recv_exact(c, hdr, 4):
            return
        msg = bytes(struct.unpack(">I", hdr)[0])
        try:
            while True:
                c.sendall(msg)
        except OSError:
            return  # the reader closed: the stream's normal end


def source(a):
    host, port = addr(a)
    ln = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    while True:
        c, _ = ln.accept()
        threading.Thread(target=pour, args=(c,), daemon=True).start()


def sink(a, size):
    c = socket.create_connection(addr(a))
    c.sendall(struct.pack(">I", size))
    buf = memoryview(bytearray(size))
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1:
        c.recv_into(buf)
    total, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 3:
        total += c.recv_into(buf)
    print("stream: %.2f Gbit/s in %d-byte reads" % (total * 8 / (time.monotonic() - t0) / 1e9, size))


if __name__ == "__main__":
    cmds = {"serve": serve, "ping": ping, "source": source, "sink": sink}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds or (sys.argv[1] == "sink" and len(sys.argv) < 4):
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2], *(int(x) for x in sys.argv[3:5]))
