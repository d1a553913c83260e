package runner

import (
	"os"
	"strings"
	"time"

	"github.com/meshbench/meshbench/bench/cpuacct"
	"github.com/meshbench/meshbench/bench/results"
	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// sample is every counter read at one edge of a measurement window. The
// cheap, precise ones (host and cgroup CPU) are read first and stamped at;
// the process scan and the BPF programs follow, with their own stamps.
type sample struct {
	at      time.Time
	host    cpuacct.HostStat
	cgroups map[string]uint64 // component -> usage_usec

	// memory and pods are resident memory by component and by pod, read
	// only at a window's end (see sampler.rss).
	memory, pods map[string]int64

	procsAt time.Time
	procs   cpuacct.Procs
	bpfAt   time.Time
	bpf     cpuacct.BPFSample
	bpfErr  error
	load    cpuacct.LoadAvg
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

// sampler takes the samples of one step: which cgroups to account, which
// pods' processes are the benchmark's own (not noise), and whose BPF
// programs to read.
type sampler struct {
	acct accounting
	pods []local.Pod      // every pod of the cluster
	bpf  cpuacct.BPFScope // the client's and the server's cgroups and netns, and their nodes' netns
}

// take samples every counter now, memory too when withMemory (right after
// the CPU counters: the load generator exits soon after its window). A
// cgroup that cannot be read is left out, which shows up as a missing
// component, not a zero.
func (s *sampler) take(withMemory bool) sample {
	out := sample{at: time.Now(), cgroups: map[string]uint64{}}
	out.host, _ = cpuacct.ReadHost()
	for name, dir := range s.acct {
		if st, err := cgroupv2.ReadCPUStat(dir); err == nil {
			out.cgroups[name] = st.UsageUsec
		}
	}
	if withMemory {
		out.memory, out.pods = s.rss()
	}
	out.procsAt = time.Now()
	out.procs, _ = cpuacct.ReadProcs(s.ownPids())
	out.bpfAt = time.Now()
	out.bpf, out.bpfErr = cpuacct.ReadBPF(s.bpf)
	out.load, _ = cpuacct.ReadLoadAvg()
	return out
}

// ownPids are the processes of the benchmark itself: everything in the
// cluster's pods, and this runner.
func (s *sampler) ownPids() map[int]bool {
	own := map[int]bool{os.Getpid(): true}
	for _, p := range s.pods {
		pids, _ := cgroupv2.ProcsTree(p.Cgroup)
		for _, pid := range pids {
			own[pid] = true
		}
	}
	return own
}

// rss reads each component's resident memory, proxies apart from their
// pods, and each pod's whole memory, its proxy included.
func (s *sampler) rss() (components, pods map[string]int64) {
	components, pods = map[string]int64{}, map[string]int64{}
	for name, dir := range s.acct {
		v, err := cgroupv2.RSS(dir)
		if err != nil {
			continue
		}
		components[name] += int64(v)
		if role, ok := strings.CutPrefix(name, proxyPrefix); ok {
			components[role] -= int64(v)
			continue
		}
		pods[name] = int64(v)
	}
	return components, pods
}

// cpuBetween turns two samples into the CPU block of a repeat: by pod (the
// pod's whole cgroup), and by component, where each proxy is taken out of
// its pod and summed into "proxy", and "kernel" is what no cgroup accounts for.
// The client pod is the load generator, reported apart as well.
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
	c.GeneratorCores = c.ByComponent["client"]
	c.WithoutGeneratorCores = max(host.Busy-c.GeneratorCores, 0)
	c.WithoutGeneratorPerKRPS = cpuacct.PerKRPS(c.WithoutGeneratorCores, achieved)
	return c
}

// bpfScope is where programs acting on the client's and server's traffic
// attach: their cgroups, their own interfaces and their nodes' (the veth
// ends and wires a tc datapath hooks).
func bpfScope(pods ...local.Pod) cpuacct.BPFScope {
	var s cpuacct.BPFScope
	for _, p := range pods {
		s.Cgroups = append(s.Cgroups, p.Cgroup)
		s.Netns = append(s.Netns, p.PacketNetns()...)
	}
	return s
}
