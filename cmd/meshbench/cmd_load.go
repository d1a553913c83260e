package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/meshbench/meshbench/bench/hist"
	"github.com/meshbench/meshbench/bench/loadgen"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/scenarios"
	"github.com/spf13/cobra"
)

func newLoadCommand() *cobra.Command {
	var cfg loadgen.Config
	var kf kneeFlags
	var asJSON, hold bool
	var procs int
	cmd := &cobra.Command{
		Use:   "load --target HOST:PORT",
		Short: "Drive open-loop constant-rate load at a workload server (runs inside a pod)",
		Long: `load sends requests at a constant rate (--rate, 0 = closed loop as fast as
possible) over --connections connections and times each from when it should
have been sent, so stalls are not hidden (coordinated-omission correction).
--churn opens a new connection for every request; --protocol stream reads the
server's stream and counts bits per second; --knee-p99 follows a closed-loop
run with a search for the highest open-loop rate whose p99 stays below it.
With --json it prints window-start, window-end and result events as JSON lines
for meshbench run (one window per knee trial too); without it, a
human-readable summary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("connections") {
				// As a scenario's default: one stream (iperf3's -P 1), four
				// connections for requests.
				cfg.Connections = scenarios.DefaultConnections
				if cfg.Protocol == loadgen.ProtocolStream {
					cfg.Connections = scenarios.DefaultStreamConnections
				}
			}
			if cfg.Protocol == loadgen.ProtocolStream && !cmd.Flags().Changed("rate") {
				cfg.Rate = 0 // a stream has no rate; only an explicit --rate is an error
			}
			cfg.Normalize()
			if err := cfg.Validate(); err != nil {
				return badInput(err)
			}
			if err := kf.validate(&cfg); err != nil {
				return badInput(err)
			}
			if procs < 0 {
				return badInputf("--procs: must be >= 0, got %d", procs)
			}
			if procs > 0 {
				runtime.GOMAXPROCS(procs)
			}
			out := &syncWriter{w: cmd.OutOrStdout()}
			var hooks loadgen.Hooks
			if asJSON {
				hooks.OnWindowStart = func() { _ = runner.WriteEvent(out, runner.Event{Event: runner.EventWindowStart}) }
				hooks.OnWindowEnd = func() { _ = runner.WriteEvent(out, runner.Event{Event: runner.EventWindowEnd}) }
			}
			res, err := loadgen.Run(cmd.Context(), cfg, hooks)
			if err != nil {
				return err
			}
			knee, err := kf.search(cmd.Context(), cfg, res, hooks)
			if err != nil {
				return err
			}
			if !asJSON {
				return printLoad(out, res, knee)
			}
			rep, err := loadReport(res)
			if err != nil {
				return err
			}
			rep.Knee = knee
			if err := runner.WriteEvent(out, runner.Event{Event: runner.EventResult, Result: rep}); err != nil {
				return err
			}
			if hold {
				// Stay alive, and so measurable, until the runner is done
				// with this process; it closes stdin then, or dies.
				_, err = io.Copy(io.Discard, cmd.InOrStdin())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Target, "target", "", "HOST:PORT of the workload server")
	f.StringVar(&cfg.Protocol, "protocol", "http", "http, tcp or stream")
	f.Float64Var(&cfg.Rate, "rate", 1000, "requests per second over all connections; 0 = closed loop (a stream always runs closed loop)")
	f.IntVar(&cfg.Connections, "connections", 0, "connections, one worker each (default 4, and 1 for --protocol stream)")
	f.DurationVar(&cfg.Duration, "duration", loadgen.DefaultDuration, "measurement window")
	f.DurationVar(&cfg.Warmup, "warmup", 0, "load before the window that is not recorded")
	f.IntVar(&cfg.PayloadBytes, "payload-bytes", 1024, "TCP request size (echoed), HTTP response body size or stream message size")
	f.BoolVar(&cfg.Churn, "churn", false, "a new connection per request, closed by the server (tcp: target the one-frame echo)")
	f.DurationVar(&cfg.Timeout, "timeout", loadgen.DefaultTimeout, "per-request timeout")
	f.BoolVar(&asJSON, "json", false, "print JSON event lines (used by meshbench run)")
	f.IntVar(&procs, "procs", 0, "Go processors (GOMAXPROCS) for the generator; 0 keeps Go's default")
	f.BoolVar(&hold, "hold", false, "with --json: after the result, stay until stdin closes (meshbench run reads the process's memory meanwhile)")
	kf.register(cmd)
	return cmd
}

// loadReport encodes a result for the runner.
func loadReport(res loadgen.Result) (*runner.LoadReport, error) {
	var encs [3]string
	var err error
	if encs[0], err = hist.Encode(res.Latency); err != nil {
		return nil, fmt.Errorf("encode latency histogram: %w", err)
	}
	if encs[1], err = hist.Encode(res.Service); err != nil {
		return nil, fmt.Errorf("encode service histogram: %w", err)
	}
	if encs[2], err = hist.Encode(res.SendLag); err != nil {
		return nil, fmt.Errorf("encode send-lag histogram: %w", err)
	}
	return &runner.LoadReport{
		Requested: res.Requested, Achieved: res.Achieved, Completed: res.Completed,
		Errors: res.Errors, Unsent: res.Unsent, WindowS: res.WindowEnd.Sub(res.WindowStart).Seconds(),
		Latency: encs[0], Service: encs[1], SendLag: encs[2],
		Warnings: res.Warnings, ErrorSamples: res.ErrorSamples, Bytes: res.Bytes, KernelBytes: res.KernelBytes,
	}, nil
}

func printLoad(w io.Writer, res loadgen.Result, knee *results.Knee) error {
	p := hist.Percentiles(res.Latency)
	_, err := fmt.Fprintf(w, "requested %.1f/s achieved %.1f/s completed %d errors %d unsent %d\nlatency µs (corrected): p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f\n",
		res.Requested, res.Achieved, res.Completed, res.Errors, res.Unsent, p.P50, p.P90, p.P99, p.P999, p.Max)
	if err == nil && res.Config.Protocol == loadgen.ProtocolStream {
		_, err = fmt.Fprintf(w, "stream: %d bytes, %.3f Gbit/s (kernel counted %d bytes)\n", res.Bytes, float64(res.Bytes)*8/res.WindowEnd.Sub(res.WindowStart).Seconds()/1e9, res.KernelBytes)
	}
	if err == nil && knee != nil {
		_, err = fmt.Fprintf(w, "knee: %.0f req/s with p99 < %.0fµs (not sustained at %.0f; %d trials)\n", knee.RateRPS, knee.P99TargetUS, knee.BoundRPS, len(knee.Trials))
	}
	if err == nil && len(res.Warnings) > 0 {
		_, err = fmt.Fprintf(w, "warnings: %s\n", strings.Join(res.Warnings, "; "))
	}
	if err == nil && res.Completed == 0 {
		err = errors.New("no request completed")
	}
	return err
}

// syncWriter serialises event lines written from the load generator's hook
// goroutines and the command itself.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
