package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"time"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

// rateTolerance is how far below the requested rate a run may fall before it
// is flagged.
const rateTolerance = 0.05

// sample is every CPU counter read at one instant.
type sample struct {
	at   time.Time
	host cpuacct.HostStat
	pods map[string]uint64 // role -> usage_usec
}

// measure runs the load generator for one step and returns the repeat.
func (r *run) measure(ctx context.Context, st plan.Step) (results.Repeat, error) {
	client, err := r.clientPod(st.Placement)
	if err != nil {
		return results.Repeat{}, err
	}
	roles := map[string]local.Pod{"client": client, "server": r.serverPod()}
	cmd := exec.CommandContext(ctx, r.opts.Exe, loadArgs(st, r.serverPod().IPv4)...)
	cmd.SysProcAttr = ownProcessGroup()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return results.Repeat{}, err
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := r.cluster.Start(client, cmd); err != nil {
		return results.Repeat{}, fmt.Errorf("start load generator in %s: %w", client.Name, err)
	}
	var begin, end sample
	var report *LoadReport
	var memory map[string]int64
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			continue // not an event line
		}
		switch ev.Event {
		case EventWindowStart:
			begin = take(roles)
		case EventWindowEnd:
			end = take(roles)
			memory = rss(roles)
		case EventResult:
			report = ev.Result
		}
	}
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		return results.Repeat{}, ctx.Err()
	}
	if waitErr != nil || report == nil {
		return results.Repeat{}, fmt.Errorf("load generator in %s failed: %v: %s", client.Name, waitErr, stderr.String())
	}
	rep, err := repeatFrom(st, report)
	if err != nil {
		return results.Repeat{}, err
	}
	rep.CPU = cpuBetween(begin, end, rep.Rate.Achieved)
	rep.MemoryBytes = memory
	rep.Evidence = noneEvidence(roles)
	judge(st, &rep)
	return rep, nil
}

// loadArgs is the load generator's command line for a step.
func loadArgs(st plan.Step, server netip.Addr) []string {
	sc := st.Scenario
	port := HTTPPort
	if sc.Protocol == scenarios.ProtocolTCP {
		port = TCPPort
	}
	return []string{"load", "--json",
		"--target", netip.AddrPortFrom(server, uint16(port)).String(),
		"--protocol", sc.Protocol,
		"--rate", strconv.FormatFloat(st.Rate, 'g', -1, 64),
		"--connections", strconv.Itoa(sc.Connections),
		"--duration", sc.Duration.D().String(),
		"--warmup", sc.Warmup.D().String(),
		"--payload-bytes", strconv.Itoa(st.PayloadBytes),
		"--timeout", sc.Timeout.D().String(),
	}
}

// take samples host and pod CPU counters now. A pod whose counters cannot be
// read is left out, which shows up as a missing component rather than a zero.
func take(roles map[string]local.Pod) sample {
	s := sample{at: time.Now(), pods: map[string]uint64{}}
	s.host, _ = cpuacct.ReadHost()
	for role, p := range roles {
		if st, err := local.CPU(p); err == nil {
			s.pods[role] = st.UsageUsec
		}
	}
	return s
}

// rss reads each pod's resident memory.
func rss(roles map[string]local.Pod) map[string]int64 {
	m := map[string]int64{}
	for role, p := range roles {
		if v, err := local.MemoryRSS(p); err == nil {
			m[role] = int64(v)
		}
	}
	return m
}

// cpuBetween turns two samples into the CPU block of a repeat.
func cpuBetween(a, b sample, achieved float64) results.CPU {
	window := b.at.Sub(a.at)
	host := cpuacct.HostDelta(a.host, b.host, window)
	c := results.CPU{HostCores: host.Busy, StealCores: host.Steal, ByComponent: map[string]float64{}, ByPod: map[string]float64{}}
	var pods float64
	for role, before := range a.pods {
		after, ok := b.pods[role]
		if !ok {
			continue
		}
		v := cpuacct.CgroupDelta(before, after, window)
		c.ByComponent[role] = v
		c.ByPod[role] = v
		pods += v
	}
	c.ByComponent["proxy"] = 0
	c.ByComponent["kernel"] = max(host.Busy-pods, 0)
	c.CoresPerKRPS = cpuacct.PerKRPS(host.Busy, achieved)
	return c
}

// noneEvidence proves that mesh "none" ran with no mesh: no BPF program acts
// on the pods' sockets (attached to their cgroups or any ancestor) and no
// process runs in the pods but the server and the load generator.
func noneEvidence(roles map[string]local.Pod) map[string]int64 {
	ev := map[string]int64{"bpf_programs": 0, "extra_processes": 0}
	for _, p := range roles {
		if n, err := cgroupv2.EffectiveBPF(p.Cgroup); err != nil || n > 0 {
			ev["bpf_programs"] += int64(max(n, 1)) // an unreadable cgroup counts against the claim
		}
		if procs, err := cgroupv2.ProcsTree(p.Cgroup); err == nil && len(procs) > 1 {
			ev["extra_processes"] += int64(len(procs) - 1)
		}
	}
	return ev
}

// judge decides validity and attaches warnings as data.
func judge(st plan.Step, rep *results.Repeat) {
	rep.Valid = true
	if st.Mesh == scenarios.MeshNone && (rep.Evidence["bpf_programs"] != 0 || rep.Evidence["extra_processes"] != 0) {
		rep.Valid = false
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("evidence does not match mesh none: %d BPF programs on the pods' cgroups, %d extra processes in the pods", rep.Evidence["bpf_programs"], rep.Evidence["extra_processes"]))
	}
	if rep.Completed == 0 {
		rep.Valid = false
		rep.Warnings = append(rep.Warnings, "no request completed")
	}
	if rep.Errors > 0 && float64(rep.Errors) > 0.01*float64(rep.Completed) {
		rep.Valid = false
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d errors (more than 1%% of requests)", rep.Errors))
	}
	if rep.Rate.Achieved < (1-rateTolerance)*rep.Rate.Requested {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("achieved %.1f/s, %.1f%% below the requested %.0f/s", rep.Rate.Achieved, 100*(1-rep.Rate.Achieved/rep.Rate.Requested), rep.Rate.Requested))
	}
}
