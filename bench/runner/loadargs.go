package runner

import (
	"net/netip"
	"strconv"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/scenarios"
)

// Ports the workload server listens on inside its pod.
const (
	TCPPort    = 7000 // the TCP echo, persistent connections
	StreamPort = 7001 // the stream source
	OncePort   = 7002 // the TCP echo that answers one frame and closes (churn)
	HTTPPort   = 8080
)

// port is where a step's load goes.
func port(st plan.Step) int {
	sc := st.Scenario
	switch {
	case sc.Protocol == scenarios.ProtocolStream:
		return StreamPort
	case sc.Protocol == scenarios.ProtocolHTTP:
		return HTTPPort
	case sc.Kind == scenarios.KindChurn:
		return OncePort
	default:
		return TCPPort
	}
}

// meshProtocol is the protocol the mesh sees: a stream and the one-frame
// echo are plain TCP to it.
func meshProtocol(st plan.Step) string {
	if st.Scenario.Protocol == scenarios.ProtocolHTTP {
		return scenarios.ProtocolHTTP
	}
	return scenarios.ProtocolTCP
}

// loadArgs is the load generator's command line for a step.
func loadArgs(st plan.Step, server netip.Addr) []string {
	sc := st.Scenario
	args := []string{"load", "--json", "--hold",
		"--target", netip.AddrPortFrom(server, uint16(port(st))).String(),
		"--protocol", sc.Protocol,
		"--rate", strconv.FormatFloat(st.Rate, 'g', -1, 64),
		"--connections", strconv.Itoa(sc.Connections),
		"--duration", sc.Duration.D().String(),
		"--warmup", sc.Warmup.D().String(),
		"--payload-bytes", strconv.Itoa(st.PayloadBytes),
		"--timeout", sc.Timeout.D().String(),
	}
	if sc.Kind == scenarios.KindChurn {
		args = append(args, "--churn")
	}
	if st.Mode() != plan.ModeOpenLoop {
		// Closed loop and streams run on one Go processor, like wrk -t1:
		// with two, every response woke a second thread, which cost
		// 5-10% of the closed-loop rate on a 2-core host. Open loop keeps
		// Go's default: its pacer was tuned with it.
		args = append(args, "--procs", "1")
	}
	if k := sc.Knee; k != nil && sc.Kind == scenarios.KindThroughput && st.Mode() == plan.ModeClosedLoop {
		args = append(args,
			"--knee-p99", k.P99Target.D().String(),
			"--knee-trials", strconv.Itoa(k.MaxTrials),
			"--knee-trial-duration", k.TrialDuration.D().String(),
			"--knee-trial-warmup", k.TrialWarmup.D().String(),
		)
	}
	return args
}
