package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/scenarios"
)

// fakeKube plays a Kubernetes substrate: every load Job prints the events a
// real generator prints, from report.
type fakeKube struct {
	t        *testing.T
	report   LoadReport
	evidence map[string]int64
	verify   []string // the mesh's objections
	loadErr  error

	prepared, removed []string
	released          int
	args              [][]string
}

func (k *fakeKube) Describe(env *fingerprint.Env) {
	env.Kubernetes, env.NodeImage, env.NodeImageID = "v1.33.4", "meshbench/kind-node:v1.33.4", "sha256:abc"
}
func (k *fakeKube) Warnings() []string { return []string{"cpu is the host's"} }
func (k *fakeKube) Prepare(_ context.Context, mesh string, t KubeTarget) (KubeStep, error) {
	k.prepared = append(k.prepared, mesh+"/"+t.Placement+"/"+t.Protocol)
	return &fakeStep{k: k, mesh: mesh}, nil
}

type fakeStep struct {
	k    *fakeKube
	mesh string
}

func (s *fakeStep) Server() netip.Addr { return netip.MustParseAddr("198.19.128.10") }
func (s *fakeStep) Load(_ context.Context, args []string) (io.ReadCloser, error) {
	s.k.args = append(s.k.args, args)
	if s.k.loadErr != nil {
		return nil, s.k.loadErr
	}
	var b bytes.Buffer
	b.WriteString("not an event: the generator's own log line\n")
	for _, e := range []Event{{Event: EventWindowStart}, {Event: EventWindowEnd}, {Event: EventResult, Result: &s.k.report}} {
		if err := WriteEvent(&b, e); err != nil {
			s.k.t.Fatal(err)
		}
	}
	return io.NopCloser(&b), nil
}
func (s *fakeStep) Evidence(context.Context) (map[string]int64, error) { return s.k.evidence, nil }
func (s *fakeStep) Release(context.Context) error {
	s.k.released++
	return nil
}
func (s *fakeStep) Verify(map[string]int64, int64) []string { return s.k.verify }
func (s *fakeStep) Info() map[string]string                 { return map[string]string{"substrate": "fake"} }
func (s *fakeStep) Remove(context.Context) error {
	s.k.removed = append(s.k.removed, s.mesh)
	return nil
}

func kubeFiles() []scenarios.File {
	sc := scenarios.Scenario{Name: "smoke", Kind: scenarios.KindLatency, Protocol: scenarios.ProtocolHTTP,
		Placement: scenarios.PlacementSameNode, Meshes: []string{"none", "ebpf"}, Rates: []float64{500},
		PayloadBytes: []int{1024}, Connections: 4, Repeats: 2}
	sc.Normalize()
	return []scenarios.File{{Path: "smoke.yaml", Scenario: sc}}
}

func TestRunKubeMeasuresEveryStepAndRemovesItsPods(t *testing.T) {
	k := &fakeKube{t: t, evidence: map[string]int64{"redirected_msgs": 2000},
		report: LoadReport{Requested: 500, Achieved: 499, Completed: 1000, WindowS: 2,
			Latency: encoded(t, 1000, 50_000), SendLag: encoded(t, 1000, 1_000)}}
	out, err := Run(context.Background(), kubeFiles(), Options{Kube: k, Substrate: "kind"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Env.Substrate != "kind" || out.Env.Kubernetes != "v1.33.4" || out.Env.NodeImageID != "sha256:abc" {
		t.Errorf("fingerprint does not say where it ran: %+v", out.Env)
	}
	if !slices.Contains(out.Warnings, "cpu is the host's") {
		t.Errorf("substrate warnings lost: %v", out.Warnings)
	}
	if len(k.prepared) != 4 || len(k.removed) != 4 {
		t.Errorf("prepared %v, removed %v: want 4 steps each", k.prepared, k.removed)
	}
	for _, a := range k.args {
		if slices.Contains(a, "--hold") {
			t.Errorf("a Job has no stdin to hold on, yet args are %v", a)
		}
		if !slices.Contains(a, "198.19.128.10:8080") {
			t.Errorf("load does not target the server pod: %v", a)
		}
	}
	if k.released != 4 {
		t.Errorf("released %d load pods, want one per step (4)", k.released)
	}
	if len(out.Results) != 2 {
		t.Fatalf("want a result per mesh, got %d", len(out.Results))
	}
	for _, r := range out.Results {
		if !r.Valid || r.LatencyUS.P50 < 49 || r.LatencyUS.P50 > 51 {
			t.Errorf("%s: valid=%v p50=%v warnings=%v", r.Mesh, r.Valid, r.LatencyUS.P50, r.Warnings)
		}
		if r.Evidence["redirected_msgs"] != 2*2000 { // summed over the 2 repeats
			t.Errorf("%s: evidence not recorded: %v", r.Mesh, r.Evidence)
		}
	}
}

func TestRunKubeInvalidWhenEvidenceObjects(t *testing.T) {
	k := &fakeKube{t: t, verify: []string{"no redirected messages"},
		report: LoadReport{Requested: 500, Achieved: 500, Completed: 1000, WindowS: 2,
			Latency: encoded(t, 1000, 50_000), SendLag: encoded(t, 1000, 1_000)}}
	out, err := Run(context.Background(), kubeFiles(), Options{Kube: k, Substrate: "kind"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Results {
		if r.Valid || !strings.Contains(strings.Join(r.Warnings, ";"), "no redirected messages") {
			t.Errorf("%s: a run the mesh objects to counted as valid (%v)", r.Mesh, r.Warnings)
		}
	}
}

func TestRunKubeRemovesPodsWhenLoadFails(t *testing.T) {
	k := &fakeKube{t: t, loadErr: errors.New("job failed")}
	_, err := Run(context.Background(), kubeFiles(), Options{Kube: k, Substrate: "kind"})
	if err == nil || !strings.Contains(err.Error(), "job failed") {
		t.Fatalf("want the job's failure, got %v", err)
	}
	if len(k.removed) != len(k.prepared) || len(k.removed) == 0 {
		t.Errorf("prepared %v but removed %v", k.prepared, k.removed)
	}
}
