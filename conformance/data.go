package conformance

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

const (
	// maxStream is the longest stream a case sends.
	maxStream = 64 << 20
	// streamSlack is how far apart streams start in the pattern.
	streamSlack = 1 << 20
)

// pattern is random bytes, made once: streams are slices of it.
var pattern = sync.OnceValue(func() []byte {
	b := make([]byte, maxStream+streamSlack)
	r := rand.NewChaCha8([32]byte{'m', 'e', 's', 'h', 'b', 'e', 'n', 'c', 'h'})
	_, _ = r.Read(b) // ChaCha8.Read never fails
	return b
})

// stream returns n bytes of stream id. Different ids start at different
// offsets of random data, so bytes of one stream delivered into another,
// repeated, dropped or reordered never compare equal.
func stream(id, n int) []byte {
	off := (id*7919 + 1) % streamSlack
	return pattern()[off : off+n]
}

// errCorrupt marks bytes that arrived but differ from what was sent.
var errCorrupt = errors.New("corrupted")

// readExpect reads exactly len(want) bytes from r and compares them with
// want; a difference is reported with the first differing offset and the
// SHA-256 of both streams.
func readExpect(r io.Reader, want []byte) error {
	buf := make([]byte, min(len(want), 256<<10)+1)
	h := sha256.New()
	got, firstDiff := 0, -1
	for got < len(want) {
		n, err := r.Read(buf[:min(len(buf), len(want)-got)])
		if n > 0 {
			h.Write(buf[:n])
			if firstDiff < 0 && !bytes.Equal(buf[:n], want[got:got+n]) {
				firstDiff = got + diffAt(buf[:n], want[got:got+n])
			}
			got += n
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("early EOF")
			}
			return fmt.Errorf("received %d of %d bytes: %w", got, len(want), err)
		}
	}
	if firstDiff >= 0 {
		return fmt.Errorf("%w: %d bytes received, first difference at offset %d (sha256 %x, want %x)",
			errCorrupt, len(want), firstDiff, h.Sum(nil)[:8], sha256Prefix(want))
	}
	return nil
}

func diffAt(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return 0
}

func sha256Prefix(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:8]
}

// expectEOF reads once more and wants a clean end of stream.
func expectEOF(r io.Reader) error {
	var b [512]byte
	n, err := r.Read(b[:])
	switch {
	case n > 0:
		return fmt.Errorf("%d unexpected bytes after the end of the stream", n)
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return errors.New("read returned nothing and no EOF")
	}
	return fmt.Errorf("want a clean EOF: %w", err)
}

// writeSmall writes data in many small writes of 1 to 97 bytes, so the
// receiver has to coalesce them.
func writeSmall(w io.Writer, data []byte) (writes int, err error) {
	for i := 0; len(data) > 0; i++ {
		n := min(len(data), 1+(i*37)%97)
		if _, err := w.Write(data[:n]); err != nil {
			return writes, fmt.Errorf("small write %d: %w", writes, err)
		}
		data = data[n:]
		writes++
	}
	return writes, nil
}

// storeMax raises a to v if v is larger.
func storeMax(a *atomic.Int64, v int64) {
	for old := a.Load(); v > old; old = a.Load() {
		if a.CompareAndSwap(old, v) {
			return
		}
	}
}

// group runs functions concurrently and joins their errors.
type group struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func (g *group) spawn(fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
	}()
}

func (g *group) wait() error {
	g.wg.Wait()
	return errors.Join(g.errs...)
}
