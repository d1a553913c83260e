package scenarios

import (
	"slices"
	"time"
)

// Kinds, protocols, placements and meshes a scenario may name.
const (
	// KindLatency drives open-loop constant rates and reports latency
	// (coordinated-omission corrected) against offered load.
	KindLatency = "latency"
	// KindThroughput finds limits: the closed-loop maximum request rate and
	// the saturation knee (protocol http or tcp), or stream bits/s by
	// message size (protocol stream).
	KindThroughput = "throughput"
	// KindCPU drives fixed open-loop rates and reports CPU cores per 1,000
	// requests/s and memory per pod.
	KindCPU = "cpu"
	// KindChurn opens a new connection for every request: connect, one
	// request, the server closes.
	KindChurn = "churn"

	ProtocolHTTP = "http"
	ProtocolTCP  = "tcp"
	// ProtocolStream is a one-way byte stream from server to client, for
	// kind throughput only.
	ProtocolStream = "stream"

	PlacementSameNode  = "same-node"
	PlacementCrossNode = "cross-node"
	PlacementBoth      = "both"

	MeshNone    = "none"
	MeshSidecar = "sidecar"
	MeshEBPF    = "ebpf"
)

var (
	kinds      = []string{KindLatency, KindThroughput, KindCPU, KindChurn}
	protocols  = []string{ProtocolHTTP, ProtocolTCP, ProtocolStream}
	placements = []string{PlacementSameNode, PlacementCrossNode, PlacementBoth}
	meshes     = []string{MeshNone, MeshSidecar, MeshEBPF}
)

// Defaults applied by Normalize to fields a scenario leaves out.
const (
	DefaultConnections  = 4
	DefaultDuration     = 10 * time.Second
	DefaultWarmup       = 2 * time.Second
	DefaultRepeats      = 5
	DefaultPayloadBytes = 1024
	DefaultTimeout      = 5 * time.Second

	// DefaultStreamConnections is the number of parallel streams of
	// protocol stream, as iperf3's default of one.
	DefaultStreamConnections = 1

	DefaultKneeP99Target     = time.Millisecond
	DefaultKneeMaxTrials     = 8
	DefaultKneeTrialDuration = time.Second
	DefaultKneeTrialWarmup   = 250 * time.Millisecond
)

// DefaultStreamBytes are the message sizes of protocol stream when a
// scenario lists none: 64 B to 1 MiB.
var DefaultStreamBytes = []int{64, 1024, 64 << 10, 1 << 20}

// Scenario is one measurement a user asks for. The zero values of optional
// fields are filled in by Normalize, and the normalised scenario is stored in
// the results so a run records exactly what it measured.
type Scenario struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Kind        string   `yaml:"kind" json:"kind"`
	Protocol    string   `yaml:"protocol" json:"protocol"`
	Placement   string   `yaml:"placement" json:"placement"`
	Meshes      []string `yaml:"meshes" json:"meshes"`
	// Rates are open-loop request (latency, cpu) or connection (churn)
	// rates per second, one point each. Kind throughput finds its rates
	// itself; churn without rates runs closed loop.
	Rates []float64 `yaml:"rates" json:"rates"`
	// PayloadBytes lists message sizes: the TCP request (echoed back), the
	// HTTP response body, or the write size of a stream.
	PayloadBytes []int    `yaml:"payload_bytes" json:"payload_bytes"`
	Connections  int      `yaml:"connections" json:"connections"`
	Duration     Duration `yaml:"duration" json:"duration"`
	Warmup       Duration `yaml:"warmup" json:"warmup"`
	Repeats      int      `yaml:"repeats" json:"repeats"`
	Timeout      Duration `yaml:"timeout" json:"timeout"`
	// Knee, when present, adds the saturation-knee search to kind
	// throughput over http or tcp; "knee: {}" searches with the defaults.
	Knee *Knee `yaml:"knee,omitempty" json:"knee,omitempty"`
}

// Knee is the search for the highest open-loop rate whose p99 latency stays
// below a target. It brackets the rate between zero and the closed-loop
// maximum measured just before, then bisects.
type Knee struct {
	// P99Target is the latency objective: a rate counts only when its
	// corrected p99 stays below it (and it ran error-free at >= 99% of
	// the requested rate).
	P99Target Duration `yaml:"p99_target" json:"p99_target"`
	// MaxTrials bounds the number of open-loop trials of the search.
	MaxTrials     int      `yaml:"max_trials" json:"max_trials"`
	TrialDuration Duration `yaml:"trial_duration" json:"trial_duration"`
	TrialWarmup   Duration `yaml:"trial_warmup" json:"trial_warmup"`
}

func oneOf(v string, allowed []string) bool { return slices.Contains(allowed, v) }
