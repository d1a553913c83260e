package baseline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/meshbench/meshbench/envoy-baseline/envoyconfig"
	"github.com/meshbench/meshbench/envoy-baseline/internal/pki"
	"github.com/meshbench/meshbench/envoy-baseline/internal/podproc"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// envoyStopGrace is how long Envoy gets after SIGTERM before SIGKILL.
const envoyStopGrace = 5 * time.Second

// envoySidecar is a running Envoy, reached through its admin interface on
// the pod's loopback.
type envoySidecar struct {
	proc   *podproc.Proc
	client *http.Client
	admin  string
}

// startEnvoy writes the pod's bootstrap and runs Envoy, then waits until
// the admin interface reports it ready (Envoy has no readiness
// notification, so this polls /ready with a short backoff).
func startEnvoy(ctx context.Context, s *Sidecars, p local.Pod, dir string, spec podproc.Spec, cert *podCert) (proxy, error) {
	cfg := envoyconfig.Config{NodeID: p.Name, Concurrency: s.opts.Workers}
	for _, port := range s.opts.httpPorts() {
		cfg.HTTPPorts = append(cfg.HTTPPorts, uint32(port))
	}
	if cert != nil {
		cfg.TLS = &envoyconfig.TLS{
			CertChain: cert.cert, PrivateKey: cert.key, TrustedCA: s.pki.caFile,
			TrustDomain: pki.TrustDomain, MeshedPeers: s.pki.peers,
		}
	}
	b, err := envoyconfig.Build(cfg)
	if err != nil {
		return nil, err
	}
	text, err := envoyconfig.YAML(b)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "envoy.yaml")
	if err := writeFile(path, text, true); err != nil {
		return nil, fmt.Errorf("write envoy bootstrap: %w", err)
	}
	cfg.Normalize()
	proc, err := podproc.Start(spec, exec.Command(s.bin, cfg.Args(path)...))
	if err != nil {
		return nil, err
	}
	e := &envoySidecar{
		proc:   proc,
		client: &http.Client{Transport: &http.Transport{DialContext: netnsutil.DialContext(p.Netns), DisableKeepAlives: true}},
		admin:  fmt.Sprintf("http://127.0.0.1:%d", cfg.AdminPort),
	}
	if err := e.waitReady(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("start envoy: %w", err), e.stop())
	}
	return e, nil
}

func (e *envoySidecar) waitReady(ctx context.Context) error {
	backoff := 5 * time.Millisecond
	for {
		if _, err := e.get(ctx, "/ready"); err == nil {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-e.proc.Done():
			t.Stop()
			return e.proc.ExitError()
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for envoy admin /ready: %w", ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

func (e *envoySidecar) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.admin+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("envoy admin %s: %s", path, resp.Status)
	}
	return body, nil
}

func (e *envoySidecar) counters(ctx context.Context) (PodCounters, error) {
	select {
	case <-e.proc.Done():
		return PodCounters{}, e.proc.ExitError()
	default:
	}
	body, err := e.get(ctx, "/stats?format=json")
	if err != nil {
		return PodCounters{}, err
	}
	stats, err := parseEnvoyStats(body)
	if err != nil {
		return PodCounters{}, err
	}
	return envoyCounters(stats), nil
}

func (e *envoySidecar) stop() error { return e.proc.Stop(envoyStopGrace) }

// parseEnvoyStats reads the counters and gauges of /stats?format=json:
// {"stats": [{"name": ..., "value": ...}, ..., {"histograms": ...}]}.
func parseEnvoyStats(body []byte) (map[string]uint64, error) {
	var doc struct {
		Stats []struct {
			Name  string  `json:"name"`
			Value *uint64 `json:"value"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse envoy stats: %w", err)
	}
	m := make(map[string]uint64, len(doc.Stats))
	for _, s := range doc.Stats {
		if s.Name != "" && s.Value != nil {
			m[s.Name] = *s.Value
		}
	}
	return m, nil
}

// envoyCounters sums the stats of the listeners and filters envoyconfig
// names (see its stat prefixes).
func envoyCounters(st map[string]uint64) PodCounters {
	dir := func(d string) Direction {
		sum := func(names ...string) uint64 {
			var n uint64
			for _, name := range names {
				n += st[name]
			}
			return n
		}
		h, hm := "http."+d+"_http.", "http."+d+"_mtls_http."
		t, tm := "tcp."+d+"_tcp.", "tcp."+d+"_mtls_tcp."
		out := Direction{
			Connections:    st["listener."+d+".downstream_cx_total"],
			HTTPRequests:   sum(h+"downstream_rq_total", hm+"downstream_rq_total"),
			TCPConnections: sum(t+"downstream_cx_total", tm+"downstream_cx_total"),
			BytesIn:        sum(h+"downstream_cx_rx_bytes_total", hm+"downstream_cx_rx_bytes_total", t+"downstream_cx_rx_bytes_total", tm+"downstream_cx_rx_bytes_total"),
			BytesOut:       sum(h+"downstream_cx_tx_bytes_total", hm+"downstream_cx_tx_bytes_total", t+"downstream_cx_tx_bytes_total", tm+"downstream_cx_tx_bytes_total"),
		}
		if d == envoyconfig.Outbound {
			out.TLSConnections = st["cluster."+envoyconfig.ClusterOutboundMTLS+".upstream_cx_total"]
		} else {
			out.TLSConnections = sum(hm+"downstream_cx_total", tm+"downstream_cx_total")
		}
		return out
	}
	return PodCounters{Inbound: dir(envoyconfig.Inbound), Outbound: dir(envoyconfig.Outbound)}
}
