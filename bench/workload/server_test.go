package workload

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// start runs a server on loopback ports and stops it when the test ends,
// failing the test if Serve does not return nil.
func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after its context was cancelled")
		}
	})
	return s
}

func dial(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTCPEchoPersistentAndPipelined(t *testing.T) {
	s := start(t, Config{TCPAddr: "127.0.0.1:0"})
	c := dial(t, s.TCPAddr())
	br := bufio.NewReader(c)
	var buf []byte
	// Request-response, sizes including empty and larger than the buffers.
	for _, size := range []int{0, 1, 64, 100 << 10, 7} {
		payload := []byte(strings.Repeat("x", size))
		if err := WriteFrame(c, payload); err != nil {
			t.Fatal(err)
		}
		var err error
		if buf, err = ReadFrame(br, buf); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if string(buf[FrameHeaderLen:]) != string(payload) {
			t.Fatalf("size %d: echoed payload differs", size)
		}
	}
	// Pipelined: many frames in one write, answered in order.
	var batch []byte
	for i := range 50 {
		batch = AppendFrame(batch, []byte(strconv.Itoa(i)))
	}
	if _, err := c.Write(batch); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		var err error
		if buf, err = ReadFrame(br, buf); err != nil {
			t.Fatalf("pipelined frame %d: %v", i, err)
		}
		if got := string(buf[FrameHeaderLen:]); got != strconv.Itoa(i) {
			t.Fatalf("pipelined frame %d: got %q", i, got)
		}
	}
	// A churning client: connect, one request, close.
	for range 3 {
		cc := dial(t, s.TCPAddr())
		if err := WriteFrame(cc, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFrame(cc, nil); err != nil {
			t.Fatal(err)
		}
		if err := cc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// The counters: 4 connections, 5+50+3 frames. The churned connections'
	// frames were answered before their reads returned.
	st := s.Stats()
	if st.TCPConns != 4 || st.TCPRequests != 58 || st.TCPErrors != 0 {
		t.Fatalf("stats %v, want 4 conns, 58 requests, 0 errors", st)
	}
}

func TestTCPProtocolErrorClosesConnection(t *testing.T) {
	s := start(t, Config{TCPAddr: "127.0.0.1:0"})
	c := dial(t, s.TCPAddr())
	if _, err := c.Write([]byte{0xff, 0xff, 0xff, 0xff}); err != nil { // 4 GiB frame
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read after an oversized header: got %v, want EOF", err)
	}
	waitFor(t, func() bool { return s.Stats().TCPErrors == 1 }, "TCPErrors == 1")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHTTP(t *testing.T) {
	s := start(t, Config{HTTPAddr: "127.0.0.1:0", HTTPBodyBytes: 300})
	base := "http://" + s.HTTPAddr().String()
	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range []struct {
		method, path string
		status, size int
	}{
		{"GET", "/", 200, 300},
		{"GET", "/?size=0", 200, 0},
		{"GET", "/?size=5", 200, 5},
		{"GET", "/?x=1&size=200000", 200, 200000}, // larger than the preallocated body
		{"GET", "/?other=1", 200, 300},
		{"HEAD", "/", 200, 0},
		{"GET", "/?size=-1", 400, -1},
		{"GET", "/?size=abc", 400, -1},
		{"GET", "/?size=" + strconv.Itoa(MaxHTTPBodyBytes+1), 400, -1},
		{"GET", "/nope", 404, -1},
		{"POST", "/", 405, -1},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, err := http.NewRequest(c.method, base+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, c.status, body)
			}
			if c.size >= 0 && len(body) != c.size {
				t.Fatalf("body %d bytes, want %d", len(body), c.size)
			}
			if c.status == 400 && !strings.Contains(string(body), "size") {
				t.Fatalf("400 body %q does not name the size parameter", body)
			}
		})
	}
	st := s.Stats()
	if st.HTTPRequests != 11 || st.HTTPErrors != 5 {
		t.Fatalf("stats %v, want 11 requests and 5 errors", st)
	}
	// The client reuses its keep-alive connection.
	if st.HTTPConns < 1 || st.HTTPConns > 3 {
		t.Fatalf("stats %v: %d connections for 11 sequential requests, keep-alive broken?", st, st.HTTPConns)
	}
}

func TestServeClosesConnectionsOnCancel(t *testing.T) {
	s, err := Listen(Config{TCPAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()

	tcp := dial(t, s.TCPAddr())
	if err := WriteFrame(tcp, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFrame(tcp, nil); err != nil {
		t.Fatal(err)
	}
	web := dial(t, s.HTTPAddr())
	if _, err := io.WriteString(web, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(web)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	// Both idle connections were closed by the server.
	if _, err := tcp.Read(make([]byte, 1)); err == nil {
		t.Fatal("tcp connection still open after Serve returned")
	}
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("http connection still open after Serve returned")
	}
	if _, err := net.DialTimeout("tcp", s.TCPAddr().String(), time.Second); err == nil {
		t.Fatal("tcp listener still accepting after Serve returned")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no address", Config{}, "tcp_addr"},
		{"negative body", Config{TCPAddr: ":0", HTTPBodyBytes: -1}, "http_body_bytes"},
		{"huge body", Config{TCPAddr: ":0", HTTPBodyBytes: MaxHTTPBodyBytes + 1}, "http_body_bytes"},
		{"bad tcp address", Config{TCPAddr: "127.0.0.1:notaport"}, "127.0.0.1:notaport"},
		{"bad http address", Config{HTTPAddr: "256.0.0.1:80"}, "256.0.0.1:80"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Listen(c.cfg)
			if err == nil {
				t.Fatalf("Listen(%+v) succeeded with %v", c.cfg, s.TCPAddr())
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("error %q does not name %q", err, c.field)
			}
		})
	}
}

func TestListenDualStack(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback unavailable on this host: %v", err)
	}
	_ = ln.Close()
	s := start(t, Config{TCPAddr: "[::]:0"})
	_, port, err := net.SplitHostPort(s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 5*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", host, err)
		}
		if err := WriteFrame(c, []byte("v")); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFrame(c, nil); err != nil {
			t.Fatalf("echo over %s: %v", host, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
