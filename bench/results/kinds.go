package results

// The fields below were added for the throughput, cpu and churn kinds and for
// the honesty checks. They are additive: a reader that knows only the
// latency fields reads every results file as before. Optional values are
// pointers and left out when a point has no such measurement, so "absent"
// and "measured zero" differ.

// Knee is a saturation-knee search: the highest open-loop rate whose
// corrected p99 latency stayed below the target, with no errors and at least
// 99% of the rate achieved. It is bracketed between 0 and the closed-loop
// maximum measured just before it and found by bisection.
type Knee struct {
	// RateRPS is the highest sustained rate (requests/s); 0 when no rate
	// met the target.
	RateRPS float64 `json:"rate_rps"`
	// BoundRPS is the lowest rate that was not sustained (the ceiling if
	// every trial passed): the true knee lies in [rate_rps, bound_rps).
	BoundRPS float64 `json:"bound_rps"`
	// CeilingRPS is the closed-loop maximum the search stayed below.
	CeilingRPS float64 `json:"ceiling_rps"`
	// P99TargetUS is the latency objective in microseconds.
	P99TargetUS float64 `json:"p99_target_us"`
	// Trials lists every trial of the search in order (per repeat only).
	Trials []KneeTrial `json:"trials,omitempty"`
}

// KneeTrial is one open-loop trial of a knee search.
type KneeTrial struct {
	Rate      float64 `json:"rate"`
	Achieved  float64 `json:"achieved"`
	P99US     float64 `json:"p99_us"`
	Errors    int64   `json:"errors"`
	Sustained bool    `json:"sustained"`
	// Why says why the trial was not sustained.
	Why string `json:"why,omitempty"`
}

// BPF is the kernel's own accounting of the BPF programs acting on the
// pods' sockets: every program attached to a pod's cgroup or an ancestor
// (sockops, connect, cgroup skb) and the sk_msg programs attached to the
// socket maps those programs use. Run time is counted only while
// kernel.bpf_stats_enabled is on, which the runner turns on around each
// measurement window (BPF_ENABLE_STATS) and which switches itself off
// afterwards.
type BPF struct {
	// Stats is "on" when run time was counted, otherwise why not.
	Stats string `json:"stats"`
	// RunTimeNS and RunCount are summed over the programs, window only.
	RunTimeNS int64 `json:"run_time_ns"`
	RunCount  int64 `json:"run_count"`
	// Cores is RunTimeNS over the window: CPU spent inside the programs,
	// already part of cpu.host_cores (in system or softirq time).
	Cores float64 `json:"cores"`
	// NSPerRun is RunTimeNS / RunCount.
	NSPerRun float64 `json:"ns_per_run"`
	// MapMemlockBytes is the kernel memory charged to the programs' maps
	// (their memlock), counted once per map.
	MapMemlockBytes int64 `json:"map_memlock_bytes"`
	// ProgMemlockBytes is the memory of the programs themselves.
	ProgMemlockBytes int64 `json:"prog_memlock_bytes"`
	// Programs lists each program (per repeat only).
	Programs []BPFProgram `json:"programs,omitempty"`
}

// BPFProgram is one program's share of BPF.
type BPFProgram struct {
	ID        uint32 `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	RunTimeNS int64  `json:"run_time_ns"`
	RunCount  int64  `json:"run_count"`
}

// Noise is what else the host did during the window, sampled on every
// repeat so a reader can see how quiet the machine was. High values also
// add warnings.
type Noise struct {
	// StealCores is time the hypervisor gave to other guests.
	StealCores float64 `json:"steal_cores"`
	// OtherCores is the CPU of every process outside the run's pods
	// (from /proc, exited children included via their parents), not
	// counting meshbench's own runner or kernel threads.
	OtherCores float64 `json:"other_cores"`
	// OtherTop names the busiest of those processes with their cores,
	// e.g. "go 0.41, cc1 0.20".
	OtherTop string `json:"other_top,omitempty"`
	// Load1 is the 1-minute load average at the window's end (it includes
	// the benchmark's own load) and Runnable the runnable tasks then.
	Load1    float64 `json:"load1"`
	Runnable int     `json:"runnable"`
}

// Generator is the load generator's own CPU, reported apart so it can be
// excluded: it runs in the client pod, so it is that pod's cgroup without
// its sidecar proxy.
type Generator struct {
	Cores float64 `json:"cores"`
	// Saturated is true when the generator used at least 90% of one core:
	// it may then be the bottleneck of what it measures.
	Saturated bool `json:"saturated"`
}
