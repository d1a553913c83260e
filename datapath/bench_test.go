package datapath

import (
	"fmt"
	"io"
	"net"
	"testing"
)

// benchModes are the paths compared: the plain kernel stack, the datapath,
// and the datapath with redirection off (sockets in the SOCKHASH, every send
// passed to the normal stack: tcp_bpf's own cost).
type benchMode struct {
	name string
	pair func() (net.Conn, net.Conn)
}

func benchModes(b *testing.B) []benchMode {
	requireDatapath(b)
	plain := newFixture(b, 0)
	ebpf := newFixture(b, 2)
	ebpf.up(nil)
	pass := newFixture(b, 2)
	pd := pass.up(nil)
	if err := pd.maps.updateConfig(func(c *meshMbConfig) { c.Redirect = 0 }); err != nil {
		b.Fatal(err)
	}
	return []benchMode{
		{"plain", func() (net.Conn, net.Conn) { return plain.pair(outsider(), outsider(), "tcp4") }},
		{"ebpf", func() (net.Conn, net.Conn) { return ebpf.pair(ebpf.pods[0], ebpf.pods[1], "tcp4") }},
		{"ebpf-pass", func() (net.Conn, net.Conn) { return pass.pair(pass.pods[0], pass.pods[1], "tcp4") }},
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// BenchmarkStream: one-way stream, b.N writes of the given size, a reader
// draining with 256 KiB reads. MB/s is the figure to compare.
//
//	go test ./datapath -run '^$' -bench Stream -benchtime 2s -count 5
func BenchmarkStream(b *testing.B) {
	modes := benchModes(b)
	for _, size := range []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 32 << 10, 64 << 10, 256 << 10, 1 << 20} {
		for _, m := range modes {
			b.Run(sizeName(size)+"/"+m.name, func(b *testing.B) {
				c, s := m.pair()
				defer c.Close()
				defer s.Close()
				b.SetBytes(int64(size))
				done := make(chan error, 1)
				go func() {
					_, err := io.CopyBuffer(io.Discard, io.LimitReader(s, int64(size)*int64(b.N)), make([]byte, 256<<10))
					done <- err
				}()
				buf := make([]byte, size)
				b.ResetTimer()
				for range b.N {
					if _, err := c.Write(buf); err != nil {
						b.Fatal(err)
					}
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkRR: 1 KiB request, 1 KiB response; ns/op is the round trip.
//
//	go test ./datapath -run '^$' -bench RR -benchtime 2s -count 5
func BenchmarkRR(b *testing.B) {
	for _, m := range benchModes(b) {
		b.Run("1KiB/"+m.name, func(b *testing.B) {
			c, s := m.pair()
			defer c.Close()
			defer s.Close()
			go func() {
				buf := make([]byte, 1<<10)
				for {
					if _, err := io.ReadFull(s, buf); err != nil {
						return
					}
					if _, err := s.Write(buf); err != nil {
						return
					}
				}
			}()
			buf := make([]byte, 1<<10)
			b.ResetTimer()
			for range b.N {
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
