package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"

	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// measure installs the step's mesh, runs the load generator and returns the
// repeat; the mesh is removed on every path.
func (r *run) measure(ctx context.Context, st plan.Step) (results.Repeat, error) {
	client, err := r.clientPod(st.Placement)
	if err != nil {
		return results.Repeat{}, err
	}
	roles := map[string]local.Pod{"client": client, "server": r.serverPod()}
	target := mesh.Target{Client: client, Server: r.serverPod(), Protocol: meshProtocol(st), Connections: st.Scenario.Connections}
	m, err := r.installers[st.Mesh](ctx, r.cluster, target)
	if err != nil {
		return results.Repeat{}, fmt.Errorf("install mesh %s: %w", st.Mesh, err)
	}
	rep, err := r.drive(ctx, st, roles, m)
	if rerr := m.Remove(); rerr != nil {
		return results.Repeat{}, errors.Join(err, fmt.Errorf("remove mesh %s: %w", st.Mesh, rerr))
	}
	return rep, err
}

// window is what was sampled around the load generator's first window
// (the one CPU is reported for) and read at the end of every window.
type window struct {
	begin, end   sample
	opened, done bool
	stats        *bpfStats
	statsErr     error
	evidence     map[string]int64
	evidenceErr  error
	report       *LoadReport
}

// drive runs the load generator for one step on an installed mesh.
func (r *run) drive(ctx context.Context, st plan.Step, roles map[string]local.Pod, m mesh.Mesh) (results.Repeat, error) {
	client := roles["client"]
	smp := &sampler{acct: newAccounting(roles, m.ProxyCgroups()), pods: r.cluster.Pods(),
		bpf: bpfScope(client, roles["server"])}
	cmd := exec.CommandContext(ctx, r.opts.Exe, loadArgs(st, r.serverPod().IPv4)...)
	cmd.SysProcAttr = ownProcessGroup()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return results.Repeat{}, err
	}
	// The generator holds until stdin closes, so it is still there to be
	// sampled at its window's end however quickly it finishes.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return results.Repeat{}, err
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := r.cluster.Start(client, cmd); err != nil {
		return results.Repeat{}, fmt.Errorf("start load generator in %s: %w", client.Name, err)
	}
	var w window
	w.follow(ctx, stdout, smp, m, stdin)
	statsErr := errors.Join(w.statsErr, w.stats.disable())
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		return results.Repeat{}, ctx.Err()
	}
	if waitErr != nil || w.report == nil {
		return results.Repeat{}, fmt.Errorf("load generator in %s failed: %v: %s", client.Name, waitErr, stderr.String())
	}
	if statsErr != nil {
		return results.Repeat{}, statsErr
	}
	if w.evidenceErr != nil {
		return results.Repeat{}, fmt.Errorf("read %s evidence: %w", st.Mesh, w.evidenceErr)
	}
	rep, err := repeatFrom(st, w.report)
	if err != nil {
		return results.Repeat{}, err
	}
	r.complete(&rep, st, &w, m)
	return rep, nil
}

// follow reads the load generator's events until it exits: CPU, BPF and
// noise are sampled around the first window, the mesh's evidence read at
// the end of every window (its counters only grow, so the last read holds
// all the traffic). release lets the generator exit once its result is in.
func (w *window) follow(ctx context.Context, stdout io.Reader, smp *sampler, m mesh.Mesh, release io.Closer) {
	defer release.Close() // the generator ends either way; nothing to report
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			continue // not an event line
		}
		switch ev.Event {
		case EventWindowStart:
			if !w.opened {
				w.opened = true
				w.stats = enableBPFStats()
				w.begin = smp.take(false)
			}
		case EventWindowEnd:
			if w.opened && !w.done {
				w.done = true
				w.end = smp.take(true)
				// Disabling here keeps the stats off during knee trials; a
				// failure to restore is reported when the step ends.
				w.statsErr = w.stats.disable()
			}
			w.evidence, w.evidenceErr = m.Evidence(ctx)
		case EventResult:
			w.report = ev.Result
			_ = release.Close() // closing a pipe twice is harmless
		}
	}
}

// complete fills in what the runner measured around the window and judges
// the repeat.
func (r *run) complete(rep *results.Repeat, st plan.Step, w *window, m mesh.Mesh) {
	rep.CPU = cpuBetween(w.begin, w.end, rep.Rate.Achieved)
	rep.MemoryBytes, rep.MemoryPerPodBytes = w.end.memory, w.end.pods
	rep.Evidence = w.evidence
	rep.MeshInfo = m.Info()
	stats := "off"
	if w.stats != nil {
		stats = w.stats.state
	}
	rep.BPF = bpfBetween(w.begin, w.end, stats)
	if rep.BPF != nil {
		rep.CPU.BPFCores = rep.BPF.Cores
	}
	rep.Noise = noiseBetween(w.begin, w.end)
	rep.Generator = &results.Generator{Cores: rep.CPU.GeneratorCores, Saturated: rep.CPU.GeneratorCores >= generatorSaturated}
	kindFields(rep, st)
	if r.bpfState == "" {
		r.bpfState = stats
	}
	judge(rep, m.Verify(rep.Evidence, verifyCount(st, rep)))
}
