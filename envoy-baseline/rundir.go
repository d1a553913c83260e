package baseline

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshbench/meshbench/envoy-baseline/internal/pki"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// ProxyUID is the user (and group) the proxies run as, whose connections
// are never captured.
const ProxyUID = 1337

// runDir is the one temporary directory holding every file of an Install:
//
//	<dir>/ca.pem, peers.map      shared, world-readable (public data)
//	<dir>/<pod>/                 owned by the proxy user, mode 0700:
//	    cert.pem, key.pem, pod.pem (cert+key), proxy config, sockets
//
// The top directory is 0711 so the proxy user can reach its own
// directory without listing the others.
type runDir struct {
	path string
}

// newRunDir makes the run directory in the cluster's state, where
// meshbench down finds it after a crash.
func newRunDir(c *local.Cluster) (*runDir, error) {
	dir, err := c.MkRunDir()
	if err != nil {
		return nil, err
	}
	return &runDir{path: dir}, nil
}

// podDir creates the pod's private directory.
func (d *runDir) podDir(pod string) (string, error) {
	p := filepath.Join(d.path, pod)
	if err := os.Mkdir(p, 0o700); err != nil {
		return "", fmt.Errorf("create pod directory: %w", err)
	}
	if err := os.Chown(p, ProxyUID, ProxyUID); err != nil {
		return "", fmt.Errorf("chown pod directory: %w", err)
	}
	return p, nil
}

// writeFile writes a file that only the proxy user may read (private) or
// that anyone may read.
func writeFile(path string, data []byte, private bool) error {
	mode := os.FileMode(0o644)
	if private {
		mode = 0o600
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	if private {
		return os.Chown(path, ProxyUID, ProxyUID)
	}
	return nil
}

func (d *runDir) remove() error {
	if err := os.RemoveAll(d.path); err != nil {
		return fmt.Errorf("remove run directory: %w", err)
	}
	return nil
}

// meshPKI is the mutual TLS material of an Install.
type meshPKI struct {
	ca       *pki.CA
	caFile   string
	peersMap string       // "<ip> <pod>" lines for HAProxy's map_ip
	peers    []netip.Addr // every meshed pod's addresses
}

// writePKI creates the run's CA and the peers map in d.
func (d *runDir) writePKI(pods []local.Pod) (*meshPKI, error) {
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		return nil, err
	}
	m := &meshPKI{ca: ca, caFile: filepath.Join(d.path, "ca.pem"), peersMap: filepath.Join(d.path, "peers.map")}
	var lines strings.Builder
	for _, p := range pods {
		for _, a := range []netip.Addr{p.IPv4, p.IPv6} {
			m.peers = append(m.peers, a)
			fmt.Fprintf(&lines, "%s %s\n", a, p.Name)
		}
	}
	if err := writeFile(m.caFile, ca.CertPEM(), false); err != nil {
		return nil, fmt.Errorf("write CA: %w", err)
	}
	if err := writeFile(m.peersMap, []byte(lines.String()), false); err != nil {
		return nil, fmt.Errorf("write peers map: %w", err)
	}
	return m, nil
}

// podCert is where a pod's certificate files are.
type podCert struct {
	cert, key, combined string
}

// issue writes the pod's certificate and key into its directory, separately
// (Envoy) and concatenated (HAProxy).
func (m *meshPKI) issue(pod, dir string) (podCert, error) {
	leaf, err := m.ca.Issue(pod, time.Now())
	if err != nil {
		return podCert{}, err
	}
	key, err := leaf.KeyPEM()
	if err != nil {
		return podCert{}, err
	}
	pc := podCert{
		cert:     filepath.Join(dir, "cert.pem"),
		key:      filepath.Join(dir, "key.pem"),
		combined: filepath.Join(dir, "pod.pem"),
	}
	for path, data := range map[string][]byte{pc.cert: leaf.CertPEM(), pc.key: key, pc.combined: append(leaf.CertPEM(), key...)} {
		if err := writeFile(path, data, true); err != nil {
			return podCert{}, fmt.Errorf("write certificate of %s: %w", pod, err)
		}
	}
	return pc, nil
}
