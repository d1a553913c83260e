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
import argparse
import socket
import struct
import sys
import threading
import time


def hostport(s):
    """HOST:PORT or [V6]:PORT."""
    host, sep, port = s.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError("want HOST:PORT or [IPv6]:PORT, got %r" % s)
    return host.strip("[]"), int(port)


def listen(a):
    infos = socket.getaddrinfo(a[0], a[1], type=socket.SOCK_STREAM)
    return socket.create_server(infos[0][4][:2], family=infos[0][0])


def recv_exact(c, view, n):
    got = 0
    while got < n:
        r = c.recv_into(view[got:n])
        if r == 0:
            return False
        got += r
    return True


def serve_each(a, handle):
    ln = listen(a)
    while True:
        c, _ = ln.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def echo(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = memoryview(bytearray(1 << 20))
    with c:
        try:
            while recv_exact(c, buf, 4):
                n = struct.unpack(">I", buf[:4])[0]
                if n > len(buf) - 4 or not recv_exact(c, buf[4:], n):
                    return
                c.sendall(buf[: 4 + n])
        except OSError:
            return  # the client went away


def ping(a, n, size):
    c = socket.create_connection(a)
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
        try:
            hdr = memoryview(bytearray(4))
            if not recv_exact(c, hdr, 4):
                return
            n = struct.unpack(">I", hdr)[0]
            if n == 0:
                return
            msg = bytes(n)
            while True:
                c.sendall(msg)
        except OSError:
            return  # the reader closed: the stream's normal end


def sink(a, size):
    c = socket.create_connection(a)
    c.sendall(struct.pack(">I", size))
    buf = memoryview(bytearray(size))

    def read():
        r = c.recv_into(buf)
        if r == 0:
            sys.exit("pingpong: the stream ended early")
        return r

    t0 = time.monotonic()
    while time.monotonic() - t0 < 1:
        read()
    total, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 3:
        total += read()
    print("stream: %.2f Gbit/s in %d-byte reads" % (total * 8 / (time.monotonic() - t0) / 1e9, size))


def positive(s):
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError("want a positive integer, got %s" % s)
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "ping", "source", "sink"):
        sp = sub.add_parser(name)
        sp.add_argument("addr", type=hostport)
        if name == "ping":
            sp.add_argument("n", type=positive, nargs="?", default=6000)
            sp.add_argument("size", type=positive, nargs="?", default=1024)
        if name == "sink":
            sp.add_argument("size", type=positive)
    a = p.parse_args()
    if a.cmd == "serve":
        serve_each(a.addr, echo)
    elif a.cmd == "source":
        serve_each(a.addr, pour)
    elif a.cmd == "ping":
        ping(a.addr, a.n, a.size)
    else:
        sink(a.addr, a.size)


if __name__ == "__main__":
    main()
