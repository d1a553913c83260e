package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/plan"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

// rateTolerance is how far below the requested rate a run may fall before it
// is flagged.
const rateTolerance = 0.05

// sample is every CPU counter read at one instant.
type sample struct {
	at      time.Time
	host    cpuacct.HostStat
	cgroups map[string]uint64 // component -> usage_usec
}

// accounting names the cgroups whose CPU and memory a step reports: the
// client and server pods by role, and each pod's proxy as "proxy/<role>".
// A pod's cgroup contains its proxy's, so the proxy is subtracted from it.
type accounting map[string]string

const proxyPrefix = "proxy/"

func newAccounting(roles map[string]local.Pod, proxies map[string]string) accounting {
	a := accounting{}
	for role, p := range roles {
		a[role] = p.Cgroup
		if dir, ok := proxies[p.Name]; ok {
			a[proxyPrefix+role] = dir
		}
	}
	return a
}

// measure runs the load generator for one step and returns the repeat.
func (r *run) measure(ctx context.Context, st plan.Step) (results.Repeat, error) {
	client, err := r.clientPod(st.Placement)
	if err != nil {
		return results.Repeat{}, err
	}
	roles := map[string]local.Pod{"client": client, "server": r.serverPod()}
	target := mesh.Target{Client: client, Server: r.serverPod(), Protocol: st.Scenario.Protocol, Connections: st.Scenario.Connections}
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

// drive runs the load generator for one step on an installed mesh.
func (r *run) drive(ctx context.Context, st plan.Step, roles map[string]local.Pod, m mesh.Mesh) (results.Repeat, error) {
	client := roles["client"]
	acct := newAccounting(roles, m.ProxyCgroups())
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
	var memory, evidence map[string]int64
	var evidenceErr error
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			continue // not an event line
		}
		switch ev.Event {
		case EventWindowStart:
			begin = take(acct)
		case EventWindowEnd:
			end = take(acct)
			memory = rss(acct)
			evidence, evidenceErr = m.Evidence(ctx)
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
	if evidenceErr != nil {
		return results.Repeat{}, fmt.Errorf("read %s evidence: %w", st.Mesh, evidenceErr)
	}
	rep.CPU = cpuBetween(begin, end, rep.Rate.Achieved)
	rep.MemoryBytes = memory
	rep.Evidence = evidence
	rep.MeshInfo = m.Info()
	judge(&rep, m.Verify(evidence, rep.Completed))
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

// take samples host and cgroup CPU counters now. A cgroup that cannot be
// read is left out, which shows up as a missing component, not a zero.
func take(acct accounting) sample {
	s := sample{at: time.Now(), cgroups: map[string]uint64{}}
	s.host, _ = cpuacct.ReadHost()
	for name, dir := range acct {
		if st, err := cgroupv2.ReadCPUStat(dir); err == nil {
			s.cgroups[name] = st.UsageUsec
		}
	}
	return s
}

// rss reads each component's resident memory, proxies apart from their pods.
func rss(acct accounting) map[string]int64 {
	m := map[string]int64{}
	for name, dir := range acct {
		if v, err := cgroupv2.RSS(dir); err == nil {
			m[name] += int64(v)
			if role, ok := strings.CutPrefix(name, proxyPrefix); ok {
				m[role] -= int64(v)
			}
		}
	}
	return m
}

// cpuBetween turns two samples into the CPU block of a repeat: by pod (the
// pod's whole cgroup), and by component, where each proxy is taken out of
// its pod and summed into "proxy", and "kernel" is what no cgroup accounts for.
func cpuBetween(a, b sample, achieved float64) results.CPU {
	window := b.at.Sub(a.at)
	host := cpuacct.HostDelta(a.host, b.host, window)
	c := results.CPU{HostCores: host.Busy, StealCores: host.Steal, ByComponent: map[string]float64{"proxy": 0}, ByPod: map[string]float64{}}
	var pods float64
	for name, before := range a.cgroups {
		after, ok := b.cgroups[name]
		if !ok {
			continue
		}
		v := cpuacct.CgroupDelta(before, after, window)
		if role, ok := strings.CutPrefix(name, proxyPrefix); ok {
			c.ByComponent["proxy"] += v
			c.ByComponent[role] -= v
			continue
		}
		c.ByComponent[name] += v
		c.ByPod[name] = v
		pods += v
	}
	c.ByComponent["kernel"] = max(host.Busy-pods, 0)
	c.CoresPerKRPS = cpuacct.PerKRPS(host.Busy, achieved)
	return c
}

// judge decides validity and attaches warnings as data. problems are the
// mesh's objections to its evidence; any one makes the repeat invalid.
func judge(rep *results.Repeat, problems []string) {
	rep.Valid = len(problems) == 0
	rep.Warnings = append(rep.Warnings, problems...)
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
