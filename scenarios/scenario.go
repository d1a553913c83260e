package scenarios

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Kinds, protocols, placements and meshes a scenario may name.
const (
	KindLatency = "latency"

	ProtocolHTTP = "http"
	ProtocolTCP  = "tcp"

	PlacementSameNode  = "same-node"
	PlacementCrossNode = "cross-node"
	PlacementBoth      = "both"

	MeshNone    = "none"
	MeshSidecar = "sidecar"
	MeshEBPF    = "ebpf"
)

var (
	kinds      = []string{KindLatency}
	protocols  = []string{ProtocolHTTP, ProtocolTCP}
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
)

// Scenario is one measurement a user asks for. The zero values of optional
// fields are filled in by Normalize, and the normalised scenario is stored in
// the results so a run records exactly what it measured.
type Scenario struct {
	Name        string    `yaml:"name" json:"name"`
	Description string    `yaml:"description,omitempty" json:"description,omitempty"`
	Kind        string    `yaml:"kind" json:"kind"`
	Protocol    string    `yaml:"protocol" json:"protocol"`
	Placement   string    `yaml:"placement" json:"placement"`
	Meshes      []string  `yaml:"meshes" json:"meshes"`
	Rates       []float64 `yaml:"rates" json:"rates"`
	// PayloadBytes lists message sizes: the TCP request (echoed back) or the
	// HTTP response body.
	PayloadBytes []int    `yaml:"payload_bytes" json:"payload_bytes"`
	Connections  int      `yaml:"connections" json:"connections"`
	Duration     Duration `yaml:"duration" json:"duration"`
	Warmup       Duration `yaml:"warmup" json:"warmup"`
	Repeats      int      `yaml:"repeats" json:"repeats"`
	Timeout      Duration `yaml:"timeout" json:"timeout"`
}

// Duration is a time.Duration written as "10s" in YAML and JSON.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"10s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// UnmarshalYAML reads a Go duration string such as "500ms" or "10s".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: expected a duration such as \"10s\", got %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Normalize fills every optional field that is unset with its default.
func (s *Scenario) Normalize() {
	if s.Kind == "" {
		s.Kind = KindLatency
	}
	if s.Protocol == "" {
		s.Protocol = ProtocolHTTP
	}
	if s.Placement == "" {
		s.Placement = PlacementSameNode
	}
	if len(s.Meshes) == 0 {
		s.Meshes = []string{MeshNone}
	}
	if len(s.PayloadBytes) == 0 {
		s.PayloadBytes = []int{DefaultPayloadBytes}
	}
	if s.Connections == 0 {
		s.Connections = DefaultConnections
	}
	if s.Duration == 0 {
		s.Duration = Duration(DefaultDuration)
	}
	if s.Warmup == 0 {
		s.Warmup = Duration(DefaultWarmup)
	}
	if s.Repeats == 0 {
		s.Repeats = DefaultRepeats
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(DefaultTimeout)
	}
}

// Placements expands the placement field into the concrete placements to run.
func (s *Scenario) Placements() []string {
	if s.Placement == PlacementBoth {
		return []string{PlacementSameNode, PlacementCrossNode}
	}
	return []string{s.Placement}
}

// Quick shortens a scenario for CI gates and smoke runs: at most 2 s of
// measurement, 500 ms of warm-up and 2 repeats per point.
func (s *Scenario) Quick() {
	s.Duration = Duration(min(s.Duration.D(), 2*time.Second))
	s.Warmup = Duration(min(s.Warmup.D(), 500*time.Millisecond))
	s.Repeats = min(s.Repeats, 2)
}

func oneOf(v string, allowed []string) bool { return slices.Contains(allowed, v) }
