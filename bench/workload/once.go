package workload

import (
	"bufio"
	"errors"
	"io"
	"net"
	"time"
)

// onceTimeout bounds how long a one-frame connection may take to send its
// frame, so an idle client cannot hold a handler forever.
const onceTimeout = 30 * time.Second

// echoOnce answers the first frame on c and closes the connection: the
// server closes first, as an HTTP/1.0 server does, so the TIME_WAIT state
// stays on the server, whose port is fixed, and a client opening thousands of
// connections per second does not run out of ephemeral ports.
func (s *Server) echoOnce(c net.Conn) {
	defer c.Close() // closing is the protocol's last step; nothing to report
	if err := c.SetDeadline(time.Now().Add(onceTimeout)); err != nil {
		return
	}
	frame, err := ReadFrame(bufio.NewReaderSize(c, 4<<10), nil)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			s.stats.onceErrors.Add(1)
		}
		return
	}
	if _, err := c.Write(frame); err != nil {
		s.stats.onceErrors.Add(1)
		return
	}
	s.stats.onceRequests.Add(1)
}
