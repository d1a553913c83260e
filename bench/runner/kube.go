package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
)

// Kube is a Kubernetes substrate as the runner sees it: for every step it
// places a fresh server pod with the step's mesh around it, and runs the
// load generator as a Job on the node the placement asks for.
type Kube interface {
	// Describe fills in the fingerprint's cluster facts.
	Describe(env *fingerprint.Env)
	// Prepare creates the step's server pod and installs the mesh; the
	// returned step is ready for load.
	Prepare(ctx context.Context, mesh string, t KubeTarget) (KubeStep, error)
	// Warnings are what the substrate cannot measure the way the local
	// one does; they travel with the results.
	Warnings() []string
}

// KubeTarget is what a mesh on Kubernetes needs to know of a step.
type KubeTarget struct {
	Placement   string // scenarios.PlacementSameNode or PlacementCrossNode
	Protocol    string // the protocol the mesh sees (http or tcp)
	Connections int
}

// KubeStep is one step's pods and mesh on Kubernetes.
type KubeStep interface {
	// Server is the address the load generator targets.
	Server() netip.Addr
	// Load runs `meshbench <args>` as a Job on the client's node and
	// returns the generator's output: its event lines. The mesh sees the
	// client pod before the generator sends anything, and the pod (with
	// its sidecar) stays up after the result until Release.
	Load(ctx context.Context, args []string) (io.ReadCloser, error)
	// Release lets the load pod end once its result is in.
	Release(ctx context.Context) error
	// Evidence, Verify and Info are the mesh's, as in mesh.Mesh.
	Evidence(ctx context.Context) (map[string]int64, error)
	Verify(evidence map[string]int64, completed int64) []string
	Info() map[string]string
	// Remove deletes the step's pods and the mesh.
	Remove(ctx context.Context) error
}

// measureKube prepares the step's pods and mesh, runs the load Job and
// returns the repeat; the pods and the mesh are removed on every path,
// with a context of their own so an interrupted run still cleans up.
func (r *run) measureKube(ctx context.Context, st plan.Step) (rep results.Repeat, err error) {
	t := KubeTarget{Placement: st.Placement, Protocol: meshProtocol(st), Connections: st.Scenario.Connections}
	ks, err := r.opts.Kube.Prepare(ctx, st.Mesh, t)
	if err != nil {
		return rep, fmt.Errorf("install mesh %s: %w", st.Mesh, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if rerr := ks.Remove(cctx); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove mesh %s: %w", st.Mesh, rerr))
		}
	}()
	out, err := ks.Load(ctx, kubeLoadArgs(st, ks.Server()))
	if err != nil {
		return rep, fmt.Errorf("start load job: %w", err)
	}
	// The evidence is read at the end of every window, while the client
	// pod and its proxy still run (its counters only grow, so the last
	// read holds all the traffic); the pod is released after the result.
	var evidence map[string]int64
	var evErr, relErr error
	w := followKube(out,
		func() { evidence, evErr = ks.Evidence(ctx) },
		func() { relErr = ks.Release(ctx) })
	_ = out.Close() // the stream has ended or failed; the error is w's
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	if w.report == nil {
		return rep, fmt.Errorf("load job gave no result: %v", errors.Join(w.err, relErr))
	}
	if evidence == nil && evErr == nil {
		evidence, evErr = ks.Evidence(ctx)
	}
	if evErr != nil {
		return rep, fmt.Errorf("read %s evidence: %w", st.Mesh, evErr)
	}
	rep, err = repeatFrom(st, w.report)
	if err != nil {
		return rep, err
	}
	rep.CPU = hostCPUBetween(w.begin, w.end, rep.Rate.Achieved)
	rep.Evidence = evidence
	rep.MeshInfo = ks.Info()
	kindFields(&rep, st)
	judge(&rep, ks.Verify(evidence, verifyCount(st, &rep)))
	return rep, nil
}

// kubeLoadArgs is the load generator's command line in a Job: the local
// one without --hold, since a Job has no stdin to hold on (the runner
// reads the evidence after the Job ends: the counters only grow).
func kubeLoadArgs(st plan.Step, server netip.Addr) []string {
	return slices.DeleteFunc(loadArgs(st, server), func(a string) bool { return a == "--hold" })
}

// kubeWindow is what the runner saw of one load Job.
type kubeWindow struct {
	begin, end hostSample
	report     *LoadReport
	err        error
}

// hostSample is the whole host's CPU at one instant.
type hostSample struct {
	at   time.Time
	host cpuacct.HostStat
	ok   bool
}

func takeHost() hostSample {
	h, err := cpuacct.ReadHost()
	return hostSample{at: time.Now(), host: h, ok: err == nil}
}

// followKube reads the generator's event lines from its log stream and
// samples the host's CPU at the first window's edges; windowEnd runs at the
// end of every window and result once the result is in. The log stream
// lags the generator by the kubelet's log delivery (milliseconds), which
// shifts the CPU window by as much; the results say the CPU is the host's.
func followKube(out io.Reader, windowEnd, result func()) kubeWindow {
	var w kubeWindow
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var opened, done bool
	for sc.Scan() {
		var ev Event
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue // not an event line
		}
		switch ev.Event {
		case EventWindowStart:
			if !opened {
				opened, w.begin = true, takeHost()
			}
		case EventWindowEnd:
			if opened && !done {
				done, w.end = true, takeHost()
			}
			windowEnd()
		case EventResult:
			if w.report == nil {
				w.report = ev.Result
				result()
			}
		}
	}
	w.err = sc.Err()
	return w
}

// hostCPUBetween is the CPU block of a repeat on a substrate whose pods
// the runner cannot account one by one: the whole host's busy cores
// (nodes, control plane and harness included) and their cost per 1,000
// requests. Components and the generator are left out rather than guessed.
func hostCPUBetween(a, b hostSample, achieved float64) results.CPU {
	if !a.ok || !b.ok || !b.at.After(a.at) {
		return results.CPU{}
	}
	host := cpuacct.HostDelta(a.host, b.host, b.at.Sub(a.at))
	return results.CPU{HostCores: host.Busy, StealCores: host.Steal, CoresPerKRPS: cpuacct.PerKRPS(host.Busy, achieved)}
}
