package datapath

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestWritePrometheusGolden(t *testing.T) {
	st := &Status{
		Instance: "bench",
		Enabled:  true,
		Guard:    false,
		LoadTime: 1500 * time.Microsecond,
		Pods: []PodStatus{
			{Name: "client", ID: 1, Counters: Counters{ConnsPaired: 2, MsgsRedirected: 10, BytesRedirected: 10240, MsgsFallback: 1, BytesFallback: 64}},
			{Name: `we"ird\pod`, ID: 2, Counters: Counters{ConnsPaired: 2, ConnsClosed: 1, PolicyDenied: 3, PairRefused: 1, SpliceRefused: 4}},
		},
		Total:     Counters{EventsLost: 7},
		Flows:     3,
		MapBytes:  3072,
		MapMemory: map[string]uint64{"mb_pairs": 2048, "mb_cfg": 1024},
		FastPath:  &TCCounters{Peer: 5, Neigh: 6, Pass: 7},
		Programs:  []ProgramStats{{Link: "link_sk_msg", Program: "mb_sk_msg", RunCount: 10, RunTime: 1050 * time.Nanosecond}},
	}
	var got bytes.Buffer
	if err := WritePrometheus(&got, st); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gotFile := golden + ".got"
		os.WriteFile(gotFile, got.Bytes(), 0o644)
		t.Errorf("metrics differ from %s; wrote %s (go test -run %s -update accepts them)", golden, gotFile, t.Name())
	}
	// Every sample line must parse: name{labels} value.
	for _, line := range bytes.Split(bytes.TrimSpace(got.Bytes()), []byte("\n")) {
		if line[0] == '#' {
			continue
		}
		if !promLine.Match(line) {
			t.Errorf("not a valid sample line: %s", line)
		}
	}
}

var promLine = regexp.MustCompile(`^[a-z_]+\{([a-z]+="([^"\\]|\\.)*",?)+\} [0-9.e+-]+$`)
