package haproxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The testdata files are real `show stat` answers of HAProxy 2.6 sidecars
// with mTLS after 3 HTTP requests and one TCP echo connection (1 MiB and
// more) from the client pod to the server pod, read while the TCP stream
// was still closing: HAProxy adds a raw TCP stream's bytes when it ends.
func TestCountersFromShowStat(t *testing.T) {
	tests := []struct {
		file string
		want Counters
	}{
		{"show_stat_client_mtls.csv", Counters{Outbound: Direction{
			Connections: 2, HTTPRequests: 3, TCPConnections: 1, TLSConnections: 2, BytesIn: 300, BytesOut: 3435,
		}}},
		{"show_stat_server_mtls.csv", Counters{Inbound: Direction{
			Connections: 2, HTTPRequests: 3, TCPConnections: 1, TLSConnections: 2, BytesIn: 1167856, BytesOut: 1169250,
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := parseStat(f)
			if err != nil {
				t.Fatal(err)
			}
			if got := countersFrom(rows); got != tt.want {
				t.Errorf("counters = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseStatRejectsOtherOutput(t *testing.T) {
	for _, in := range []string{"", "Unknown command\n", "# foo,bar\n"} {
		if _, err := parseStat(strings.NewReader(in)); err == nil {
			t.Errorf("parseStat(%q) succeeded", in)
		}
	}
}
