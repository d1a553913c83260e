// Package workload is the server every benchmark pod runs: a TCP echo of
// length-prefixed frames, the same echo answering one frame per connection
// (connection churn), an HTTP/1.1 endpoint returning a fixed-size body, and a
// stream source that writes as fast as the path takes it (throughput).
// Both are built to cost as little CPU per request as possible, so what a
// benchmark measures is the path between client and server, not the server.
package workload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// DefaultHTTPBodyBytes is the body size of GET / when Config leaves it zero.
const DefaultHTTPBodyBytes = 1024

// MaxHTTPBodyBytes bounds the body size, configured or asked for with ?size=.
const MaxHTTPBodyBytes = 64 << 20

// Config says what the server listens on. An empty address disables that
// protocol; at least one must be set. Addresses are host:port, "[::]:7000"
// listens dual-stack, port 0 picks a free port (see Server.TCPAddr).
type Config struct {
	TCPAddr  string `json:"tcp_addr,omitempty"`
	HTTPAddr string `json:"http_addr,omitempty"`
	// OnceAddr serves the TCP echo for one frame per connection: the server
	// answers and closes first, so connection churn leaves no TIME_WAIT
	// sockets on the client to exhaust its ports.
	OnceAddr string `json:"once_addr,omitempty"`
	// StreamAddr serves the stream source (see source).
	StreamAddr    string `json:"stream_addr,omitempty"`
	HTTPBodyBytes int    `json:"http_body_bytes"`
}

// Normalize fills defaults: HTTPBodyBytes 0 becomes DefaultHTTPBodyBytes.
func (c *Config) Normalize() {
	if c.HTTPBodyBytes == 0 {
		c.HTTPBodyBytes = DefaultHTTPBodyBytes
	}
}

// Validate reports the first invalid field, by name.
func (c *Config) Validate() error {
	if c.TCPAddr == "" && c.HTTPAddr == "" && c.OnceAddr == "" && c.StreamAddr == "" {
		return errors.New("tcp_addr, http_addr, once_addr, stream_addr: at least one listen address is required")
	}
	if c.HTTPBodyBytes < 0 || c.HTTPBodyBytes > MaxHTTPBodyBytes {
		return fmt.Errorf("http_body_bytes: must be between 0 and %d, got %d", MaxHTTPBodyBytes, c.HTTPBodyBytes)
	}
	return nil
}

// Server is a workload server with its listeners bound. Create it with
// Listen, run it once with Serve.
type Server struct {
	cfg      Config
	tcpLn    net.Listener
	onceLn   net.Listener
	streamLn net.Listener
	httpS    *httpServer
	stats    counters

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open TCP echo connections
	closed bool
}

// Serve listens on cfg's addresses and serves until ctx is done. It then
// closes the listeners and every connection and returns nil; it returns an
// error when the configuration is invalid, a listener cannot be opened or
// fails for good.
func Serve(ctx context.Context, cfg Config) error {
	s, err := Listen(cfg)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Listen validates cfg and binds its listeners, so a caller learns the bound
// addresses (port 0) before serving.
func Listen(cfg Config) (*Server, error) {
	cfg.Normalize()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("workload config: %w", err)
	}
	s := &Server{cfg: cfg, conns: make(map[net.Conn]struct{})}
	var opened []net.Listener
	listen := func(addr, what string) (net.Listener, error) {
		if addr == "" {
			return nil, nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range opened {
				err = errors.Join(err, l.Close())
			}
			return nil, fmt.Errorf("listen %s on %s: %w", what, addr, err)
		}
		opened = append(opened, ln)
		return ln, nil
	}
	var err error
	if s.tcpLn, err = listen(cfg.TCPAddr, "tcp echo"); err != nil {
		return nil, err
	}
	if s.onceLn, err = listen(cfg.OnceAddr, "tcp echo once"); err != nil {
		return nil, err
	}
	if s.streamLn, err = listen(cfg.StreamAddr, "stream"); err != nil {
		return nil, err
	}
	httpLn, err := listen(cfg.HTTPAddr, "http")
	if err != nil {
		return nil, err
	}
	if httpLn != nil {
		s.httpS = newHTTPServer(httpLn, cfg.HTTPBodyBytes, &s.stats)
	}
	return s, nil
}

// TCPAddr is the bound address of the TCP echo listener, nil when disabled.
func (s *Server) TCPAddr() net.Addr { return addrOf(s.tcpLn) }

// OnceAddr is the bound address of the one-frame echo listener, nil when
// disabled.
func (s *Server) OnceAddr() net.Addr { return addrOf(s.onceLn) }

// StreamAddr is the bound address of the stream source, nil when disabled.
func (s *Server) StreamAddr() net.Addr { return addrOf(s.streamLn) }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// HTTPAddr is the bound address of the HTTP listener, nil when disabled.
func (s *Server) HTTPAddr() net.Addr {
	if s.httpS == nil {
		return nil
	}
	return s.httpS.ln.Addr()
}

// Serve serves until ctx is done, then closes listeners and connections,
// waits for every handler to return and returns nil. If a listener fails for
// good it shuts everything down the same way and returns that error.
func (s *Server) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, l := range s.listeners() {
		wg.Go(func() { errs <- s.accept(ctx, &wg, l) })
	}
	if s.httpS != nil {
		wg.Go(func() { errs <- s.httpS.serve() })
	}
	// Wait for the end, or for the first listener failure, which stops the
	// whole server.
	var failure error
	select {
	case <-ctx.Done():
	case failure = <-errs:
	}
	closeErr := s.shutdown()
	wg.Wait()
	close(errs)
	for err := range errs {
		failure = errors.Join(failure, err)
	}
	if failure == nil && closeErr != nil {
		failure = closeErr
	}
	return failure
}

// shutdown closes the listeners and every open connection.
func (s *Server) shutdown() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for c := range s.conns {
		// Closing a connection a handler is about to close itself is
		// harmless; its error says nothing about the server.
		_ = c.Close()
	}
	s.mu.Unlock()
	for _, l := range s.listeners() {
		if err := l.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("close %s listener: %w", l.what, err))
		}
	}
	if s.httpS != nil {
		if err := s.httpS.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// track registers an accepted connection; it returns false when the server
// is already shutting down, and the caller must close the connection.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
