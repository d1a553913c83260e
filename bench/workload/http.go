package workload

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// chunkBytes is the smallest preallocated body: bodies larger than the
// preallocated one are written in pieces of it.
const chunkBytes = 64 << 10

type httpServer struct {
	ln  net.Listener
	srv *http.Server
}

func newHTTPServer(ln net.Listener, bodyBytes int, st *counters) *httpServer {
	h := newBodyHandler(bodyBytes, st)
	return &httpServer{ln: ln, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
		// No access log, and net/http's own complaints go nowhere: the
		// counters say what happened.
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				st.httpConns.Add(1)
			}
		},
	}}
}

func (h *httpServer) serve() error {
	if err := h.srv.Serve(h.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

func (h *httpServer) close() error {
	if err := h.srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close http server: %w", err)
	}
	return nil
}

// bodyHandler answers GET / with a body of the configured size, or of the
// size asked for with ?size=N, from one preallocated buffer.
type bodyHandler struct {
	body          []byte   // at least max(default size, chunkBytes), filled once
	defaultSize   int      //
	defaultLength []string // Content-Length of the default body, built once
	stats         *counters
}

var (
	contentType = []string{"application/octet-stream"}
	allowGet    = []string{"GET, HEAD"}
)

func newBodyHandler(size int, st *counters) *bodyHandler {
	body := make([]byte, max(size, chunkBytes))
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	return &bodyHandler{
		body:          body,
		defaultSize:   size,
		defaultLength: []string{strconv.Itoa(size)},
		stats:         st,
	}
}

func (h *bodyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.stats.httpRequests.Add(1)
	if r.URL.Path != "/" {
		h.stats.httpErrors.Add(1)
		http.Error(w, "not found: the workload serves only /", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.stats.httpErrors.Add(1)
		w.Header()["Allow"] = allowGet
		http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
		return
	}
	size, length := h.defaultSize, h.defaultLength
	if r.URL.RawQuery != "" {
		n, ok, err := sizeParam(r.URL.RawQuery)
		if err != nil {
			h.stats.httpErrors.Add(1)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ok && n != size {
			size, length = n, []string{strconv.Itoa(n)}
		}
	}
	hdr := w.Header()
	hdr["Content-Type"] = contentType
	hdr["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	for size > 0 {
		n := min(size, len(h.body))
		if _, err := w.Write(h.body[:n]); err != nil {
			return // the client went away; net/http closes the connection
		}
		size -= n
	}
}

// sizeParam finds size=N in a raw query string without allocating. ok is
// false when the query has no size parameter.
func sizeParam(rawQuery string) (n int, ok bool, err error) {
	for rawQuery != "" {
		var kv string
		kv, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != "size" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxHTTPBodyBytes {
			return 0, false, fmt.Errorf("size: must be an integer between 0 and %d, got %q", MaxHTTPBodyBytes, v)
		}
		return n, true, nil
	}
	return 0, false, nil
}
