package workload

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 100, 4 << 10, 1 << 20, 5<<20 + 3} {
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte(i * 7)
		}
		var stream bytes.Buffer
		if err := WriteFrame(&stream, payload); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		stream.Write(AppendFrame(nil, payload)) // a second frame, same bytes
		if got, want := stream.Len(), 2*(FrameHeaderLen+size); got != want {
			t.Fatalf("size %d: stream has %d bytes, want %d", size, got, want)
		}
		var buf []byte
		for i := range 2 {
			frame, err := ReadFrame(&stream, buf)
			if err != nil {
				t.Fatalf("size %d frame %d: %v", size, i, err)
			}
			if !bytes.Equal(frame[FrameHeaderLen:], payload) {
				t.Fatalf("size %d frame %d: payload differs", size, i)
			}
			if int(binary.BigEndian.Uint32(frame)) != size {
				t.Fatalf("size %d frame %d: header says %d", size, i, binary.BigEndian.Uint32(frame))
			}
			buf = frame
		}
		if _, err := ReadFrame(&stream, buf); err != io.EOF {
			t.Fatalf("size %d: after the last frame got %v, want io.EOF", size, err)
		}
	}
}

func TestReadFrameErrors(t *testing.T) {
	full := AppendFrame(nil, []byte("0123456789"))
	tooLarge := binary.BigEndian.AppendUint32(nil, MaxFrameLen+1)
	for _, c := range []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty stream", nil, io.EOF},
		{"truncated header", full[:2], io.ErrUnexpectedEOF},
		{"truncated payload", full[:FrameHeaderLen+5], io.ErrUnexpectedEOF},
		{"header only", full[:FrameHeaderLen], io.ErrUnexpectedEOF},
		{"too large", tooLarge, ErrFrameTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(c.input), nil)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if err := WriteFrame(io.Discard, make([]byte, MaxFrameLen+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("WriteFrame of an oversized payload: got %v, want ErrFrameTooLarge", err)
	}
}

// The echo hot path reads every frame into a reused buffer: no allocation.
func TestReadFrameReusesBuffer(t *testing.T) {
	stream := bytes.Repeat(AppendFrame(nil, make([]byte, 300)), 2)
	r := bytes.NewReader(stream)
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(stream)
		var err error
		if buf, err = ReadFrame(r, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ReadFrame allocated %.1f times per frame with a large enough buffer", allocs)
	}
}
