package workload

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The TCP echo protocol: every request is a frame, a 4-byte big-endian payload
// length N followed by N payload bytes, and the server answers each frame with
// the same frame. Connections are persistent and carry any number of frames.
const (
	FrameHeaderLen = 4
	// MaxFrameLen bounds a frame's payload; a longer header is a protocol
	// error, so a stray or hostile header cannot make a peer allocate 4 GiB.
	MaxFrameLen = 64 << 20
)

// ErrFrameTooLarge reports a frame header announcing more than MaxFrameLen
// payload bytes.
var ErrFrameTooLarge = errors.New("frame too large")

// AppendFrame appends the frame carrying payload to dst and returns the
// extended slice. Build a request once and write it many times.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// WriteFrame writes the frame carrying payload to w in a single Write.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) > MaxFrameLen {
		return fmt.Errorf("write frame: %w: %d bytes, limit %d", ErrFrameTooLarge, len(payload), MaxFrameLen)
	}
	if _, err := w.Write(AppendFrame(make([]byte, 0, FrameHeaderLen+len(payload)), payload)); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// ReadFrame reads one frame from r into buf, growing it only when the frame
// does not fit, and returns the whole frame, header included (the payload is
// frame[FrameHeaderLen:]); pass the returned slice back in as buf to reuse it.
// Keeping the header lets an echo write the frame back unchanged.
//
// A clean end of stream before the first header byte returns io.EOF; a stream
// that ends inside a frame returns an error wrapping io.ErrUnexpectedEOF; a
// header announcing more than MaxFrameLen bytes returns an error wrapping
// ErrFrameTooLarge without reading the payload.
func ReadFrame(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) < FrameHeaderLen {
		buf = make([]byte, FrameHeaderLen, 512)
	}
	buf = buf[:FrameHeaderLen]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return buf[:0], fmt.Errorf("read frame header: %w", err)
		}
		return buf[:0], err // io.EOF, or the reader's own error
	}
	n := binary.BigEndian.Uint32(buf)
	if n > MaxFrameLen {
		return buf[:0], fmt.Errorf("read frame: %w: header announces %d bytes, limit %d", ErrFrameTooLarge, n, MaxFrameLen)
	}
	size := FrameHeaderLen + int(n)
	if cap(buf) < size {
		grown := make([]byte, size)
		copy(grown, buf)
		buf = grown
	}
	buf = buf[:size]
	if got, err := io.ReadFull(r, buf[FrameHeaderLen:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return buf[:0], fmt.Errorf("read frame payload: got %d of %d bytes: %w", got, n, err)
	}
	return buf, nil
}
