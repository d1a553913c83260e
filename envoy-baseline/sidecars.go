package baseline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/envoy-baseline/internal/podproc"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// proxyCgroupName is the proxy's cgroup below its pod's.
const proxyCgroupName = "mb-proxy"

// removeTimeout bounds the wait for a proxy cgroup to empty.
const removeTimeout = 15 * time.Second

// Info describes the sidecars, for the results' fingerprint.
type Info struct {
	Proxy   string `json:"proxy"`   // "haproxy" or "envoy"
	Version string `json:"version"` // as the binary reports it
	Workers int    `json:"workers"`
	MTLS    bool   `json:"mtls"`
	// Capture says how traffic reaches the proxies, per address family.
	Capture string `json:"capture"`
}

// Sidecars are the proxies of one Install and their traffic capture.
type Sidecars struct {
	opts Options
	info Info
	bin  string
	dir  *runDir
	pki  *meshPKI
	pods []*podSidecar

	mu sync.Mutex // serializes Remove
}

// podSidecar is one pod's proxy and capture.
type podSidecar struct {
	pod     local.Pod
	cgroup  string
	proxy   proxy
	capture *intercept.Capture
}

// proxy is a running sidecar proxy of either kind.
type proxy interface {
	counters(ctx context.Context) (PodCounters, error)
	stop() error
}

// Install puts a sidecar beside each of pods (which must belong to c):
// it starts the proxies, waits until every one is ready, and only then
// captures the pods' traffic, so no connection is ever captured into a
// proxy that is not listening. On error everything done so far is undone.
func Install(ctx context.Context, c *local.Cluster, pods []local.Pod, opts Options) (*Sidecars, error) {
	opts.Normalize()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	name, bin, err := locate(opts.Proxy)
	if err != nil {
		return nil, err
	}
	version, err := proxyVersion(name, bin)
	if err != nil {
		return nil, err
	}
	pods, err = clusterPods(c, pods)
	if err != nil {
		return nil, err
	}
	s := &Sidecars{
		opts: opts,
		bin:  bin,
		info: Info{Proxy: name, Version: version, Workers: opts.Workers, MTLS: opts.MTLS, Capture: captureConfig(name, opts).String()},
	}
	if err := s.install(ctx, c, pods); err != nil {
		return nil, errors.Join(fmt.Errorf("install %s sidecars: %w", name, err), s.Remove())
	}
	return s, nil
}

func (s *Sidecars) install(ctx context.Context, c *local.Cluster, pods []local.Pod) error {
	var err error
	if s.dir, err = newRunDir(c); err != nil {
		return err
	}
	if s.opts.MTLS {
		if s.pki, err = s.dir.writePKI(pods); err != nil {
			return err
		}
	}
	for _, p := range pods {
		if err := s.startProxy(ctx, p); err != nil {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
	}
	capCfg := captureConfig(s.info.Proxy, s.opts)
	for _, ps := range s.pods {
		if err := ctx.Err(); err != nil {
			return err
		}
		cp, err := intercept.Install(ps.pod.Netns, capCfg)
		if err != nil {
			return fmt.Errorf("pod %s: %w", ps.pod.Name, err)
		}
		ps.capture = cp
	}
	return nil
}

// startProxy creates the pod's directory and proxy cgroup and starts the
// proxy there.
func (s *Sidecars) startProxy(ctx context.Context, p local.Pod) error {
	dir, err := s.dir.podDir(p.Name)
	if err != nil {
		return err
	}
	ps := &podSidecar{pod: p}
	cg := filepath.Join(p.Cgroup, proxyCgroupName)
	if err := podproc.MakeCgroup(cg); err != nil {
		return err
	}
	ps.cgroup = cg
	s.pods = append(s.pods, ps)
	spec := podproc.Spec{Netns: p.Netns, Cgroup: cg, UID: ProxyUID, GID: ProxyUID}
	var cert *podCert
	if s.pki != nil {
		pc, err := s.pki.issue(p.Name, dir)
		if err != nil {
			return err
		}
		cert = &pc
	}
	if s.info.Proxy == ProxyEnvoy {
		ps.proxy, err = startEnvoy(ctx, s, p, dir, spec, cert)
	} else {
		ps.proxy, err = startHAProxy(ctx, s, dir, spec, cert)
	}
	return err
}

// captureConfig is the traffic capture for proxy: Istio's REDIRECT rules,
// except that HAProxy cannot read IPv6 original destinations
// (IP6T_SO_ORIGINAL_DST), so its IPv6 traffic is captured with TPROXY.
func captureConfig(proxy string, o Options) intercept.Config {
	c := intercept.Config{
		ProxyUID:             ProxyUID,
		ExcludeInboundPorts:  u16s(o.ExcludeInboundPorts),
		ExcludeOutboundPorts: u16s(o.ExcludeOutboundPorts),
	}
	if proxy == ProxyHAProxy {
		c.IPv6 = intercept.TProxy
	}
	c.Normalize()
	return c
}

// clusterPods checks that pods are distinct pods of c and returns them as
// c knows them.
func clusterPods(c *local.Cluster, pods []local.Pod) ([]local.Pod, error) {
	if len(pods) == 0 {
		return nil, fmt.Errorf("%w: no pods to mesh", ErrInvalidOptions)
	}
	seen := make(map[string]bool)
	var out []local.Pod
	for _, p := range pods {
		cp, ok := c.Pod(p.Name)
		if !ok {
			return nil, fmt.Errorf("%w: pod %q is not in cluster %s", local.ErrPodNotFound, p.Name, c.Name())
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%w: pod %s listed twice", ErrInvalidOptions, p.Name)
		}
		seen[p.Name] = true
		out = append(out, cp)
	}
	return out, nil
}

// Info describes the proxies.
func (s *Sidecars) Info() Info { return s.info }

// ProxyCgroups maps each meshed pod's name to its proxy's cgroup directory
// (below the pod's own), for CPU and memory accounting.
func (s *Sidecars) ProxyCgroups() map[string]string {
	m := make(map[string]string, len(s.pods))
	for _, ps := range s.pods {
		m[ps.pod.Name] = ps.cgroup
	}
	return m
}

// Remove undoes Install: it stops every pod's traffic capture first (so
// no new connection is captured into a stopping proxy), then stops the
// proxies, removes their cgroups, the captures' tables and the run
// directory. The tables go last so that connections the proxies carried
// see the proxies' FIN or RST instead of hanging (see Capture.Stop). Every
// failure is reported; what failed is retried by a later call, what
// succeeded is not redone.
func (s *Sidecars) Remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, ps := range s.pods {
		if ps.capture != nil {
			if err := ps.capture.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("pod %s: %w", ps.pod.Name, err))
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	for _, ps := range s.pods {
		if ps.proxy != nil {
			if err := ps.proxy.stop(); err != nil {
				errs = append(errs, fmt.Errorf("pod %s: stop proxy: %w", ps.pod.Name, err))
			}
		}
		if err := podproc.RemoveCgroup(ctx, ps.cgroup); err != nil {
			errs = append(errs, fmt.Errorf("pod %s: %w", ps.pod.Name, err))
		}
	}
	for _, ps := range s.pods {
		if ps.capture != nil {
			if err := ps.capture.Remove(); err != nil {
				errs = append(errs, fmt.Errorf("pod %s: %w", ps.pod.Name, err))
			}
		}
	}
	if s.dir != nil {
		errs = append(errs, s.dir.remove())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove sidecars: %w", err)
	}
	return nil
}
