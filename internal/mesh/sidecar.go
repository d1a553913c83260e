package mesh

import (
	"context"
	"strconv"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/scenarios"
)

// sidecarMesh is the sidecar baseline as a Mesh.
type sidecarMesh struct {
	s      *baseline.Sidecars
	target Target
	mtls   bool
}

// Sidecar returns the Installer of mesh "sidecar": a proxy in the client and
// the server pod with Istio-style capture.
func Sidecar(opts baseline.Options) Installer {
	return func(ctx context.Context, c *local.Cluster, t Target) (Mesh, error) {
		s, err := baseline.Install(ctx, c, []local.Pod{t.Client, t.Server}, opts)
		if err != nil {
			return nil, err
		}
		return &sidecarMesh{s: s, target: t, mtls: s.Info().MTLS}, nil
	}
}

// Evidence is what the two proxies counted: the client's outbound side and
// the server's inbound side.
func (m *sidecarMesh) Evidence(ctx context.Context) (map[string]int64, error) {
	cs, err := m.s.Counters(ctx)
	if err != nil {
		return nil, err
	}
	return SidecarEvidence(cs[m.target.Client.Name], cs[m.target.Server.Name]), nil
}

// Verify applies SidecarProblems.
func (m *sidecarMesh) Verify(ev map[string]int64, completed int64) []string {
	return SidecarProblems(ev, m.target.Protocol, m.target.Connections, completed, m.mtls)
}

func (m *sidecarMesh) ProxyCgroups() map[string]string { return m.s.ProxyCgroups() }

func (m *sidecarMesh) Info() map[string]string {
	i := m.s.Info()
	return map[string]string{
		"mesh": scenarios.MeshSidecar, "proxy": i.Proxy, "version": i.Version,
		"workers": strconv.Itoa(i.Workers), "mtls": strconv.FormatBool(i.MTLS), "capture": i.Capture,
	}
}

func (m *sidecarMesh) Remove() error { return m.s.Remove() }
