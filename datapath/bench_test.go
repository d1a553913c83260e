package datapath

import (
	"fmt"
	"io"
	"net"
	"testing"
)

// benchModes are the paths compared: the plain kernel stack; the datapath,
// redirecting; the datapath with pairs switched off at connect (degraded:
// sockops runs, no socket enters the SOCKHASH); and sockets paired in the
// SOCKHASH whose sends are all passed to the normal stack (the switch
// turned off after pairing), which is tcp_bpf's own cost: what handing a
// flow back from sk_msg would leave it with.
type benchMode struct {
	name string
	pair func() (net.Conn, net.Conn)
}

func benchModes(b *testing.B) []benchMode {
	requireDatapath(b)
	plain := newFixture(b, 0)
	ebpf := newFixture(b, 2)
	ebpf.up(nil)
	degraded := newFixture(b, 2)
	dd := degraded.up(nil)
	if err := dd.maps.updateConfig(func(c *meshMbConfig) { c.Redirect = 0 }); err != nil {
		b.Fatal(err)
	}
	member := newFixture(b, 2)
	md := member.up(nil)
	return []benchMode{
		{"plain", func() (net.Conn, net.Conn) { return plain.pair(outsider(), outsider(), "tcp4") }},
		{"ebpf", func() (net.Conn, net.Conn) { return ebpf.pair(ebpf.pods[0], ebpf.pods[1], "tcp4") }},
		{"ebpf-degraded", func() (net.Conn, net.Conn) { return degraded.pair(degraded.pods[0], degraded.pods[1], "tcp4") }},
		{"ebpf-member-pass", func() (net.Conn, net.Conn) {
			setEnabled(b, md, 1)
			before := podStatus(b, md, member.pods[0].name).ConnsPaired
			c, s := member.pair(member.pods[0], member.pods[1], "tcp4")
			setEnabled(b, md, 0)
			if podStatus(b, md, member.pods[0].name).ConnsPaired == before {
				b.Fatal("ebpf-member-pass: the sockets were not paired, so this would measure the plain path")
			}
			return c, s
		}},
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
