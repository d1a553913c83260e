package loadgen

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	for _, c := range []struct {
		name, in string
		status   int
		body     int64
		close    bool
		err      string // "" = no error
		rest     string // what must remain unread
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: x\r\n\r\nhelloNEXT", 200, 5, false, "", "NEXT"},
		{"case and spaces", "HTTP/1.1 200 OK\r\ncontent-LENGTH:   3 \r\n\r\nabc", 200, 3, false, "", ""},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\nNEXT", 200, 19, false, "", "NEXT"},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 200, 0, true, "", ""},
		{"http 1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, 1, true, "", ""},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nabcdef", 200, 6, true, "", ""},
		{"status", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nnoNEXT", 503, 2, false, "", "NEXT"},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, 2, false, "", ""},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 200, 3, false, "unexpected EOF", ""},
		{"cut in headers", "HTTP/1.1 200 OK\r\nContent-Le", 200, 0, false, "unexpected EOF", ""},
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", 0, 0, false, "malformed status line", ""},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 200, 0, false, "malformed Content-Length", ""},
		{"bad header", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", 200, 0, false, "malformed header line", ""},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200, 0, false, "malformed chunk size", ""},
		{"empty", "", 0, 0, false, "EOF", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(c.in), 64)
			r, err := readResponse(br)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.status != c.status || r.body != c.body || r.close != c.close {
				t.Fatalf("got %+v, want status %d body %d close %v", r, c.status, c.body, c.close)
			}
			if rest, _ := io.ReadAll(br); string(rest) != c.rest {
				t.Fatalf("left %q unread, want %q", rest, c.rest)
			}
		})
	}
	long := "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 100) + "\r\n\r\n"
	if _, err := readResponse(bufio.NewReaderSize(strings.NewReader(long), 32)); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("over-long header line: %v", err)
	}
}
