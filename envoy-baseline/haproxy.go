package baseline

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/envoy-baseline/internal/haproxy"
	"github.com/meshbench/meshbench/envoy-baseline/internal/podproc"
	"golang.org/x/sys/unix"
)

// haproxySidecar adapts haproxy.Instance.
type haproxySidecar struct{ inst *haproxy.Instance }

// startHAProxy writes the pod's haproxy.cfg and runs HAProxy. It keeps
// CAP_NET_RAW, which IP_TRANSPARENT on its IPv6 listeners needs.
func startHAProxy(ctx context.Context, s *Sidecars, dir string, spec podproc.Spec, cert *podCert) (proxy, error) {
	cfg := haproxy.Config{
		Workers:         s.opts.Workers,
		StatsSocket:     filepath.Join(dir, "stats.sock"),
		OutboundPort:    intercept.DefaultOutboundPort,
		InboundPort:     intercept.DefaultInboundPort,
		HTTPPorts:       s.opts.httpPorts(),
		TransparentIPv6: true,
	}
	if cert != nil {
		cfg.TLS = &haproxy.TLS{
			CertFile:   cert.combined,
			CAFile:     s.pki.caFile,
			PeersMap:   s.pki.peersMap,
			LoopSocket: filepath.Join(dir, "mtls.sock"),
		}
	}
	text, err := cfg.Render()
	if err != nil {
		return nil, err
	}
	files := haproxy.Files{
		Config:      filepath.Join(dir, "haproxy.cfg"),
		StatsSocket: cfg.StatsSocket,
		Notify:      filepath.Join(dir, "notify.sock"),
	}
	if err := writeFile(files.Config, text, true); err != nil {
		return nil, fmt.Errorf("write haproxy.cfg: %w", err)
	}
	spec.AmbientCaps = []uintptr{unix.CAP_NET_RAW}
	inst, err := haproxy.Start(ctx, s.bin, files, spec)
	if err != nil {
		return nil, err
	}
	return &haproxySidecar{inst: inst}, nil
}

func (h *haproxySidecar) counters(ctx context.Context) (PodCounters, error) {
	c, err := h.inst.Counters(ctx)
	if err != nil {
		return PodCounters{}, err
	}
	return fromHAProxy(c), nil
}

func (h *haproxySidecar) stop() error { return h.inst.Stop() }
