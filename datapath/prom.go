package datapath

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// WritePrometheus writes st in the Prometheus text exposition format
// (version 0.0.4): per-pod counters, flows, map memory and load time. The
// datapath label carries the instance ("instance" is Prometheus' own target
// label). Output is sorted, so equal statuses give equal bytes.
func WritePrometheus(w io.Writer, st *Status) error {
	bw := bufio.NewWriter(w)
	dp := label("datapath", st.Instance)
	for _, m := range podMetrics {
		header(bw, m.name, m.help, "counter")
		for _, p := range st.Pods {
			sample(bw, m.name, dp+","+label("pod", p.Name), m.get(&p.Counters))
		}
	}
	header(bw, "meshbench_datapath_events_lost_total", "Events dropped because the ring buffer was full.", "counter")
	sample(bw, "meshbench_datapath_events_lost_total", dp, st.Total.EventsLost)
	gauge(bw, "meshbench_datapath_enabled", "1 while the datapath short-circuits new connections and its tc fast path forwards packets.", dp, b2u(st.Enabled))
	gauge(bw, "meshbench_datapath_degraded", "1 when a failed kernel self-test turned redirection off.", dp, b2u(st.Degraded != ""))
	gauge(bw, "meshbench_datapath_splice_guard", "1 when the splice guard is attached.", dp, b2u(st.Guard))
	gauge(bw, "meshbench_datapath_flows", "Sockets in the short-circuit now.", dp, st.Flows)
	if tc := st.FastPath; tc != nil {
		header(bw, "meshbench_datapath_fastpath_packets_total", "Packets the tc fast path put into a pod (peer), onto a wire (neigh) or left alone (pass).", "counter")
		for _, p := range []struct {
			path string
			n    uint64
		}{{"neigh", tc.Neigh}, {"pass", tc.Pass}, {"peer", tc.Peer}} {
			sample(bw, "meshbench_datapath_fastpath_packets_total", dp+","+label("path", p.path), p.n)
		}
	}
	if len(st.Programs) > 0 {
		header(bw, "meshbench_datapath_program_runs_total", "Runs of each attached program (needs kernel.bpf_stats_enabled=1).", "counter")
		for _, p := range st.Programs {
			sample(bw, "meshbench_datapath_program_runs_total", dp+","+label("link", p.Link)+","+label("program", p.Program), p.RunCount)
		}
		header(bw, "meshbench_datapath_program_run_seconds_total", "Time spent in each attached program (needs kernel.bpf_stats_enabled=1).", "counter")
		for _, p := range st.Programs {
			fmt.Fprintf(bw, "meshbench_datapath_program_run_seconds_total{%s,%s,%s} %s\n", dp, label("link", p.Link), label("program", p.Program),
				strconv.FormatFloat(p.RunTime.Seconds(), 'g', -1, 64))
		}
	}
	header(bw, "meshbench_datapath_map_bytes", "Kernel memory of each BPF map.", "gauge")
	names := make([]string, 0, len(st.MapMemory))
	for n := range st.MapMemory {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sample(bw, "meshbench_datapath_map_bytes", dp+","+label("map", n), st.MapMemory[n])
	}
	header(bw, "meshbench_datapath_load_seconds", "Time Up took to load, fill and attach the programs.", "gauge")
	fmt.Fprintf(bw, "meshbench_datapath_load_seconds{%s} %s\n", dp, strconv.FormatFloat(st.LoadTime.Seconds(), 'g', -1, 64))
	return bw.Flush()
}

var podMetrics = []struct {
	name, help string
	get        func(*Counters) uint64
}{
	{"meshbench_datapath_connections_paired_total", "Connections with both sockets in the short-circuit.", func(c *Counters) uint64 { return c.ConnsPaired }},
	{"meshbench_datapath_connections_closed_total", "Short-circuited sockets closed.", func(c *Counters) uint64 { return c.ConnsClosed }},
	{"meshbench_datapath_messages_redirected_total", "Sends moved straight into the peer socket's receive queue.", func(c *Counters) uint64 { return c.MsgsRedirected }},
	{"meshbench_datapath_bytes_redirected_total", "Bytes moved straight into the peer socket's receive queue.", func(c *Counters) uint64 { return c.BytesRedirected }},
	{"meshbench_datapath_messages_fallback_total", "Sends of short-circuited sockets that took the normal stack.", func(c *Counters) uint64 { return c.MsgsFallback }},
	{"meshbench_datapath_bytes_fallback_total", "Bytes of short-circuited sockets that took the normal stack.", func(c *Counters) uint64 { return c.BytesFallback }},
	{"meshbench_datapath_policy_denied_total", "Connects refused and sends failed by policy.", func(c *Counters) uint64 { return c.PolicyDenied }},
	{"meshbench_datapath_pair_refused_total", "Mesh sockets kept out of the short-circuit.", func(c *Counters) uint64 { return c.PairRefused }},
	{"meshbench_datapath_splice_refused_total", "splice(2) calls on short-circuited sockets refused by the splice guard.", func(c *Counters) uint64 { return c.SpliceRefused }},
}

func header(w *bufio.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

func sample[T uint32 | uint64 | int](w *bufio.Writer, name, labels string, v T) {
	fmt.Fprintf(w, "%s{%s} %d\n", name, labels, v)
}

func gauge[T uint32 | uint64 | int](w *bufio.Writer, name, help, labels string, v T) {
	header(w, name, help, "gauge")
	sample(w, name, labels, v)
}

func label(name, value string) string {
	return name + `="` + labelEscaper.Replace(value) + `"`
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }

// MetricsHandler serves the instance's status in Prometheus text format
// (WritePrometheus). A status that cannot be read is a 500; a client that
// went away mid-answer needs nothing more.
func MetricsHandler(d *Datapath) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		st, err := d.Status()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_ = WritePrometheus(w, st)
	})
}
