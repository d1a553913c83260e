package crosscheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// runSlack bounds every client run beyond its own warm-up and duration.
const runSlack = 30 * time.Second

// runIn runs args in pod to completion, within limit, and parses its
// standard output.
func runIn(ctx context.Context, c *local.Cluster, pod local.Pod, args []string, limit time.Duration, parse parser) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := c.Start(pod, cmd); err != nil {
		return sample{}, err
	}
	if err := cmd.Wait(); err != nil {
		return sample{}, fmt.Errorf("%s: %w: %s", args[0], err, tail(stderr.String()+stdout.String()))
	}
	v, err := parse(stdout.Bytes())
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w", args[0], err)
	}
	if !(v.value > 0) {
		return sample{}, fmt.Errorf("%s measured %g: nothing crossed the path", args[0], v.value)
	}
	return v, nil
}

// sample is one run's number, and for meshbench's streams the kernel's
// count of the same window (0 when unknown).
type sample struct{ value, kernel float64 }

type parser func([]byte) (sample, error)

// only wraps a parser of one number.
func only(f func([]byte) (float64, error)) parser {
	return func(b []byte) (sample, error) {
		v, err := f(b)
		return sample{value: v}, err
	}
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 400 {
		s = "..." + s[len(s)-400:]
	}
	return s
}

// parseIperf3 reads the receiver's rate from iperf3 -J: with -R the
// client receives, and the end summary leaves out the -O seconds.
func parseIperf3(out []byte) (float64, error) {
	var r struct {
		Error string `json:"error"`
		End   struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, fmt.Errorf("iperf3 -J output: %w", err)
	}
	if r.Error != "" {
		return 0, errors.New(r.Error)
	}
	return r.End.SumReceived.BitsPerSecond, nil
}

var wrkRate = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)\s*$`)

// parseWrk reads "Requests/sec:" from wrk's summary and refuses a run
// with socket errors or non-2xx answers, which wrk counts as requests.
func parseWrk(out []byte) (float64, error) {
	if bytes.Contains(out, []byte("Socket errors:")) || bytes.Contains(out, []byte("Non-2xx or 3xx responses:")) {
		return 0, fmt.Errorf("wrk saw errors: %s", tail(string(out)))
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec line in wrk's output: %s", tail(string(out)))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// meshResult reads the result event of meshbench load --json, refusing a
// run with errors.
func meshResult(out []byte) (*runner.LoadReport, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var e runner.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("load --json line %q: %w", tail(sc.Text()), err)
		}
		if e.Event != runner.EventResult || e.Result == nil {
			continue
		}
		if e.Result.Errors > 0 {
			return nil, fmt.Errorf("load counted %d errors: %s", e.Result.Errors, strings.Join(e.Result.ErrorSamples, "; "))
		}
		if !(e.Result.WindowS > 0) {
			return nil, fmt.Errorf("load reported a window of %g s", e.Result.WindowS)
		}
		return e.Result, nil
	}
	return nil, fmt.Errorf("no result event in load's output: %v", sc.Err())
}

// meshStreamBits is what the stream reader counted, in bits/s, and what
// the kernel counted into its socket over the same window.
func meshStreamBits(out []byte) (sample, error) {
	r, err := meshResult(out)
	if err != nil {
		return sample{}, err
	}
	return sample{value: float64(r.Bytes) * 8 / r.WindowS, kernel: float64(r.KernelBytes) * 8 / r.WindowS}, nil
}

func meshRequestRate(out []byte) (float64, error) {
	r, err := meshResult(out)
	if err != nil {
		return 0, err
	}
	return float64(r.Completed) / r.WindowS, nil
}

// startIperf3 starts iperf3's server in pod and waits until it listens.
func startIperf3(ctx context.Context, c *local.Cluster, pod local.Pod) (*runner.Daemon, error) {
	cmd := exec.Command("iperf3", "-s", "-p", strconv.Itoa(iperf3Port), "--forceflush")
	d, err := runner.StartDaemon(ctx, c, pod, "iperf3 -s", cmd, func(line string) bool { return strings.Contains(line, "Server listening on") })
	if d != nil {
		d.TermExit = true // iperf3 exits 1 on SIGTERM ("interrupt - the server has terminated")
	}
	return d, err
}

// shellJoin renders argv for a reader to paste.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\*?[]{}()<>|&;") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
