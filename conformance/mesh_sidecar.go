package conformance

import (
	"context"
	"errors"
	"strconv"

	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// sidecarMesh is a sidecar proxy beside every pod of the cluster.
type sidecarMesh struct {
	c    *local.Cluster
	opts baseline.Options
	s    *baseline.Sidecars
	base map[string]int64 // counters of proxies removed
}

func newSidecar(ctx context.Context, c *local.Cluster, opts baseline.Options) (*sidecarMesh, error) {
	m := &sidecarMesh{c: c, opts: opts, base: map[string]int64{}}
	return m, m.install(ctx)
}

func (m *sidecarMesh) name() string { return MeshSidecar }

func (m *sidecarMesh) install(ctx context.Context) error {
	if m.s != nil {
		return errors.New("sidecars already installed")
	}
	s, err := baseline.Install(ctx, m.c, m.c.Pods(), m.opts)
	if err != nil {
		return err
	}
	m.s = s
	return nil
}

// uninstall removes proxies and capture, keeping their counters in base.
func (m *sidecarMesh) uninstall() error {
	if m.s == nil {
		return nil
	}
	last, cerr := m.current(context.Background())
	addTo(m.base, last)
	err := m.s.Remove()
	m.s = nil
	return errors.Join(cerr, err)
}

func (m *sidecarMesh) info() map[string]string {
	if m.s == nil {
		return map[string]string{"proxy": m.opts.Proxy}
	}
	i := m.s.Info()
	return map[string]string{
		"proxy": i.Proxy, "version": i.Version, "workers": strconv.Itoa(i.Workers),
		"mtls": strconv.FormatBool(i.MTLS), "capture": i.Capture,
	}
}

func (m *sidecarMesh) counters(ctx context.Context) (map[string]int64, error) {
	cur, err := m.current(ctx)
	addTo(cur, m.base)
	return cur, err
}

func (m *sidecarMesh) current(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	if m.s == nil {
		return out, nil
	}
	cs, err := m.s.Counters(ctx)
	if err != nil {
		return out, err
	}
	for pod, pc := range cs {
		out[pod+"/outbound_connections"] = int64(pc.Outbound.Connections)
		out[pod+"/inbound_connections"] = int64(pc.Inbound.Connections)
		// Both directions; HAProxy adds a raw TCP connection's bytes
		// when it ends.
		out[pod+"/outbound_bytes"] = int64(pc.Outbound.BytesIn + pc.Outbound.BytesOut)
		out[pod+"/inbound_bytes"] = int64(pc.Inbound.BytesIn + pc.Inbound.BytesOut)
	}
	return out, nil
}

// judge: the traffic went through the mesh when some proxy took the
// connections outbound and some proxy delivered them inbound.
func (m *sidecarMesh) judge(delta map[string]int64, pods []local.Pod, _ bool) (map[string]int64, string) {
	ev := perPod(delta, pods, "outbound_connections", "inbound_connections", "outbound_bytes", "inbound_bytes")
	if ev["outbound_connections"] > 0 && ev["inbound_connections"] > 0 {
		return ev, pathProxies
	}
	return ev, pathFallback
}
