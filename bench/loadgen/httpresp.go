package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// A lean HTTP/1.1 response reader. net/http's ReadResponse builds a header
// map and a body reader for every response, which made the generator's own
// parsing a third of its CPU per request; wrk and h2load parse in place. This
// reads the status line and the three headers that matter (Content-Length,
// Transfer-Encoding, Connection) without allocating, then discards the body.

// httpResponse is what a response said about itself.
type httpResponse struct {
	status int
	reason string // only set for a status other than 200
	body   int64  // bytes of body read
	close  bool   // the server will close the connection
}

var (
	headerContentLength    = []byte("content-length")
	headerTransferEncoding = []byte("transfer-encoding")
	headerConnection       = []byte("connection")
)

// readResponse reads one response from br, body included.
func readResponse(br *bufio.Reader) (httpResponse, error) {
	var r httpResponse
	line, err := readLine(br)
	if err != nil {
		return r, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return r, fmt.Errorf("malformed status line %q", truncate(line))
	}
	if r.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return r, fmt.Errorf("malformed status line %q", truncate(line))
	}
	if r.status != 200 {
		r.reason = string(bytes.TrimSpace(line[9:]))
	}
	r.close = line[7] == '0' // HTTP/1.0 closes unless told otherwise
	length, chunked := int64(-1), false
	for {
		line, err := readLine(br)
		if err != nil {
			return r, err
		}
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return r, fmt.Errorf("malformed header line %q", truncate(line))
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, headerContentLength):
			if length, err = strconv.ParseInt(string(v), 10, 64); err != nil || length < 0 {
				return r, fmt.Errorf("malformed Content-Length %q", truncate(v))
			}
		case bytes.EqualFold(k, headerTransferEncoding):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, headerConnection):
			r.close = bytes.EqualFold(v, []byte("close"))
		}
	}
	switch {
	case chunked:
		r.body, err = discardChunked(br)
	case length >= 0:
		var n int
		n, err = br.Discard(int(length))
		r.body = int64(n)
	default:
		// Delimited by the end of the connection.
		r.body, err = io.Copy(io.Discard, br)
		r.close = true
	}
	if errors.Is(err, io.EOF) && (chunked || length >= 0) {
		err = io.ErrUnexpectedEOF
	}
	return r, err
}

// discardChunked reads a chunked body and its trailer, returning its size.
func discardChunked(br *bufio.Reader) (int64, error) {
	var total int64
	for {
		line, err := readLine(br)
		if err != nil {
			return total, err
		}
		hex, _, _ := bytes.Cut(line, []byte(";"))
		size, err := strconv.ParseInt(string(bytes.TrimSpace(hex)), 16, 64)
		if err != nil || size < 0 {
			return total, fmt.Errorf("malformed chunk size %q", truncate(line))
		}
		if size == 0 {
			for { // trailer fields up to the blank line
				if line, err := readLine(br); err != nil || len(line) == 0 {
					return total, err
				}
			}
		}
		n, err := br.Discard(int(size))
		total += int64(n)
		if err != nil {
			return total, err
		}
		if line, err := readLine(br); err != nil || len(line) != 0 {
			return total, errors.Join(err, errors.New("chunk not followed by CRLF"))
		}
	}
}

// readLine returns the next line without its line ending. The slice is only
// valid until the next read from br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errors.New("header line longer than the read buffer")
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}
