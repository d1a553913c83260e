package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/local"
)

// variant is where and over what a run goes.
type variant struct{ sameNode, v6 bool }

var variants = []variant{{true, false}, {true, true}, {false, false}, {false, true}}

func (v variant) placement() string {
	if v.sameNode {
		return "same-node"
	}
	return "cross-node"
}

func (v variant) family() string {
	if v.v6 {
		return "ipv6"
	}
	return "ipv4"
}

// backstop is how long after its sockets' deadline a run's context ends.
const backstop = time.Second

// hangGrace is how long a run that ran out of time gets, once its sockets
// are closed, to return.
const hangGrace = 5 * time.Second

// portsPerRun is how many fixed ports each run may use from Env.port.
const portsPerRun = 8

// runOne runs case c on mesh m in variant v.
func (s *suite) runOne(ctx context.Context, c Case, m meshUnderTest, v variant) Result {
	res := Result{Case: c.Name, Mesh: m.name(), Placement: v.placement(), Family: v.family()}
	s.runs++
	e := &Env{
		pods: s.pods, mesh: m, sameNode: v.sameNode, v6: v.v6,
		port: uint16(firstPort + portsPerRun*s.runs), used: map[string]local.Pod{}, ev: map[string]int64{},
	}
	before, err := m.counters(ctx)
	if err != nil {
		res.Status, res.Detail = StatusFail, "read the mesh's counters: "+err.Error()
		return res
	}
	start := time.Now()
	// Sockets time out first, so a stalled case reports where it stalled;
	// the context is the backstop that closes them all.
	e.deadline = start.Add(c.timeout())
	runCtx, cancel := context.WithDeadline(ctx, e.deadline.Add(backstop))
	defer cancel()
	e.ctx = runCtx
	done := make(chan error, 1)
	go func() { done <- c.Run(e) }()
	var runErr error
	hung := false
	select {
	case runErr = <-done:
	case <-runCtx.Done():
		e.closeAll()
		select {
		case runErr = <-done:
		case <-time.After(hangGrace):
			runErr = fmt.Errorf("still blocked %s after its sockets were closed", hangGrace)
		}
		hung = true
	}
	e.closeAll()
	res.Seconds = time.Since(start).Seconds()
	hung = hung || errors.Is(runErr, os.ErrDeadlineExceeded) || errors.Is(runErr, context.DeadlineExceeded)
	after, cerr := m.counters(ctx)
	ev, path := m.judge(sub(after, before), e.usedPods(), v.sameNode)
	if ev == nil {
		ev = map[string]int64{}
	}
	addTo(ev, e.ev)
	res.Evidence, res.Path = ev, path
	var na errNA
	switch {
	case errors.As(runErr, &na):
		res.Status, res.Detail, res.Evidence, res.Path = StatusNA, na.why, nil, ""
		return res
	case ctx.Err() != nil:
		res.Status, res.Detail = StatusNotRun, "interrupted"
		return res
	case hung:
		res.Status, res.Detail = StatusFail, e.hangDetail(c.timeout(), runErr)
	case runErr != nil:
		var soft errSignalling
		res.Status, res.Detail, res.SignallingOnly = StatusFail, runErr.Error(), errors.As(runErr, &soft)
	case cerr != nil:
		res.Status, res.Detail = StatusFail, "read the mesh's counters: "+cerr.Error()
	case path == pathFallback:
		res.Status = StatusFallback
	default:
		res.Status = StatusPass
	}
	res.Detail = joinNonEmpty("; ", res.Detail, s.explain(c, m, res.Status), e.notesText())
	return res
}

// firstPort is the first port handed to runs for fixed-port use, below
// the ephemeral range.
const firstPort = 20000

// explain adds what the mesh itself knows about a failure.
func (s *suite) explain(c Case, m meshUnderTest, st Status) string {
	em, ok := m.(ebpfDatapath)
	if !ok || st != StatusFail || !c.Splice {
		return ""
	}
	if why := em.spliceStalls(); why != "" {
		return "known kernel limitation: splice(2) from a short-circuited socket never sees the redirected bytes (it waits, or reports EOF once the FIN is in); " + why
	}
	return ""
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
