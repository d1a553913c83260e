package crosscheck

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNormalizeErrors(t *testing.T) {
	ok := Config{Exe: "/bin/true"}
	for _, tt := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no binary", func(c *Config) { c.Exe = "" }, "no meshbench binary"},
		{"rounds", func(c *Config) { c.Rounds = -1 }, "rounds: -1"},
		{"fractional duration", func(c *Config) { c.Duration = 1500 * time.Millisecond }, "duration: 1.5s, want whole seconds"},
		{"short warmup", func(c *Config) { c.Warmup = time.Millisecond }, "warmup: 1ms"},
		{"size", func(c *Config) { c.StreamSizes = []int{0} }, "stream size 0"},
		{"connections", func(c *Config) { c.Connections = 5000 }, "connections: 5000"},
		{"placement", func(c *Config) { c.Placements = []string{"far"} }, `placement "far"`},
		{"tolerance", func(c *Config) { c.Tolerance = 2 }, "tolerance: 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			_, err := c.Normalize()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrInvalid naming %q", err, tt.want)
			}
		})
	}
	c, err := ok.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if c.Rounds != 5 || c.Duration != 3*time.Second || c.Warmup != time.Second || len(c.StreamSizes) != 3 || c.Connections != 4 || len(c.Placements) != 2 || c.Tolerance != 0.15 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParsers(t *testing.T) {
	v, err := parseIperf3([]byte(`{"start":{},"end":{"sum_sent":{"bits_per_second":9e9},"sum_received":{"bits_per_second":8.5e9}}}`))
	if err != nil || v != 8.5e9 {
		t.Errorf("iperf3: %g, %v; want the receiver's 8.5e9", v, err)
	}
	if _, err := parseIperf3([]byte(`{"error":"unable to connect to server: Connection refused"}`)); err == nil || !strings.Contains(err.Error(), "Connection refused") {
		t.Errorf("iperf3 error: %v", err)
	}
	wrkOut := "Running 3s test @ http://198.18.0.10:8080/\n  1 threads and 4 connections\n" +
		"  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency   120.00us   30.00us   1.00ms   90.00%\n" +
		"  45000 requests in 3.00s, 10.00MB read\nRequests/sec:  15000.12\nTransfer/sec:      3.33MB\n"
	if v, err := parseWrk([]byte(wrkOut)); err != nil || v != 15000.12 {
		t.Errorf("wrk: %g, %v", v, err)
	}
	if _, err := parseWrk([]byte(strings.Replace(wrkOut, "Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec", 1))); err == nil {
		t.Error("wrk with socket errors accepted")
	}
	load := `{"event":"window-start"}` + "\n" + `{"event":"window-end"}` + "\n" +
		`{"event":"result","result":{"requested":0,"achieved":5000,"completed":10000,"errors":0,"window_s":2,"bytes":250000000}}` + "\n"
	if v, err := meshStreamBits([]byte(strings.Replace(load, `"bytes"`, `"kernel_bytes":250500000,"bytes"`, 1))); err != nil || v.value != 1e9 || v.kernel != 1.002e9 {
		t.Errorf("stream: %+v, %v; want 250 MB * 8 / 2 s = 1e9 and the kernel's 1.002e9", v, err)
	}
	if v, err := meshRequestRate([]byte(load)); err != nil || v != 5000 {
		t.Errorf("rate: %g, %v; want 10000 / 2 s", v, err)
	}
	if _, err := meshRequestRate([]byte(strings.Replace(load, `"errors":0`, `"errors":3`, 1))); err == nil || !strings.Contains(err.Error(), "3 errors") {
		t.Errorf("load with errors: %v", err)
	}
	if _, err := meshRequestRate([]byte(`{"event":"window-start"}`)); err == nil {
		t.Error("load without a result accepted")
	}
}

func TestShellJoin(t *testing.T) {
	if got := shellJoin([]string{"wrk", "-c4", "http://a/", "it's"}); got != `wrk -c4 http://a/ 'it'\''s'` {
		t.Errorf("got %s", got)
	}
}
