package workload

import (
	"encoding/binary"
	"io"
	"net"
	"time"
)

// The stream protocol: the client sends a 4-byte big-endian message size N
// (1 to MaxStreamMessageBytes), then only reads; the server writes N-byte
// messages back to back until the client closes the connection. The client
// counts what it receives, so the measured rate is what crossed the path,
// not what a sender's socket buffer accepted.
const (
	StreamHeaderLen       = 4
	MaxStreamMessageBytes = 64 << 20
)

// source serves one stream connection. Nagle's algorithm stays on, as in
// iperf3 and any bulk sender, so small messages coalesce into full segments
// and the message size sets the system-call rate, not the packet rate.
func (s *Server) source(c net.Conn) {
	defer c.Close() // the client ends a stream by closing it
	var hdr [StreamHeaderLen]byte
	if err := c.SetReadDeadline(time.Now().Add(onceTimeout)); err != nil {
		return
	}
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		s.stats.streamErrors.Add(1)
		return
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > MaxStreamMessageBytes {
		s.stats.streamErrors.Add(1)
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(false); err != nil {
			s.stats.streamErrors.Add(1)
			return
		}
	}
	msg := make([]byte, n)
	for i := range msg {
		msg[i] = 'a' + byte(i%26)
	}
	for {
		w, err := c.Write(msg)
		s.stats.streamBytes.Add(int64(w))
		if err != nil {
			return // the client closed the stream: its normal end
		}
	}
}
