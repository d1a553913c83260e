package workload

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
)

// TestEchoOnceServerClosesFirst: one frame is echoed, then the server closes,
// so the client reads EOF (and would not hold a TIME_WAIT socket).
func TestEchoOnceServerClosesFirst(t *testing.T) {
	s := start(t, Config{OnceAddr: "127.0.0.1:0"})
	for range 3 {
		c := dial(t, s.OnceAddr())
		if err := WriteFrame(c, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		frame, err := ReadFrame(br, nil)
		if err != nil || string(frame[FrameHeaderLen:]) != "hello" {
			t.Fatalf("echo %q, %v", frame, err)
		}
		if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the echo: %v, want EOF (server closes first)", err)
		}
	}
	// A client that connects and leaves without a frame is no error.
	c := dial(t, s.OnceAddr())
	_ = c.Close()
	waitFor(t, func() bool { st := s.Stats(); return st.OnceConns == 4 }, "four once connections")
	if st := s.Stats(); st.OnceRequests != 3 || st.OnceErrors != 0 {
		t.Fatalf("stats %v", st)
	}
}

func TestStreamSource(t *testing.T) {
	s := start(t, Config{StreamAddr: "127.0.0.1:0"})
	c := dial(t, s.StreamAddr())
	if err := binary.Write(c, binary.BigEndian, uint32(1000)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4500)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	for i, b := range buf {
		if want := 'a' + byte((i%1000)%26); b != want {
			t.Fatalf("byte %d = %q, want %q: messages are not back to back", i, b, want)
		}
	}
	_ = c.Close()
	waitFor(t, func() bool { return s.Stats().StreamBytes >= 4500 }, "stream bytes counted")

	// A bad size ends the stream at once and counts as an error.
	for _, n := range []uint32{0, MaxStreamMessageBytes + 1} {
		c := dial(t, s.StreamAddr())
		if err := binary.Write(c, binary.BigEndian, n); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(buf); !errors.Is(err, io.EOF) {
			if ne, ok := err.(net.Error); !ok || ne.Timeout() {
				t.Fatalf("size %d: %v, want the connection closed", n, err)
			}
		}
	}
	waitFor(t, func() bool { return s.Stats().StreamErrors == 2 }, "two stream errors")
}
