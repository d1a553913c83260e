// Package kindconfigs holds the kind cluster configurations meshbench uses
// (one-node.yaml: a control plane that also runs the pods; two-node.yaml: a
// control plane and one worker) and renders them with a cluster's pod and
// service subnets. Both disable kind's default CNI: the kind substrate wires
// pod networking itself, since no CNI image is reachable offline.
package kindconfigs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"net/netip"
	"text/template"
)

//go:embed one-node.yaml two-node.yaml
var files embed.FS

// ErrInvalid marks a request no configuration can satisfy.
var ErrInvalid = errors.New("invalid kind config request")

// Params fills a configuration's placeholders.
type Params struct {
	PodSubnet     netip.Prefix // the cluster's pod range; nodes get /24s of it
	ServiceSubnet netip.Prefix // the cluster's ClusterIP range
}

// File names the embedded configuration for a cluster of n nodes.
func File(n int) (string, error) {
	switch n {
	case 1:
		return "one-node.yaml", nil
	case 2:
		return "two-node.yaml", nil
	}
	return "", fmt.Errorf("%w: %d nodes: want 1 or 2", ErrInvalid, n)
}

// Render returns the configuration for a cluster of n nodes with p's
// subnets filled in. The clusters are single-stack IPv4, so both subnets
// must be IPv4; the pod subnet must hold at least one /24 per node.
func Render(n int, p Params) ([]byte, error) {
	name, err := File(n)
	if err != nil {
		return nil, err
	}
	if err := p.check(n); err != nil {
		return nil, err
	}
	text, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", name, err)
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, map[string]string{
		"PodSubnet": p.PodSubnet.String(), "ServiceSubnet": p.ServiceSubnet.String(),
	}); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

func (p Params) check(n int) error {
	for _, s := range []struct {
		what string
		p    netip.Prefix
	}{{"pod subnet", p.PodSubnet}, {"service subnet", p.ServiceSubnet}} {
		if !s.p.IsValid() || !s.p.Addr().Is4() || s.p.Masked() != s.p {
			return fmt.Errorf("%w: %s %q: want an IPv4 network address with its prefix length, like 198.19.128.0/21", ErrInvalid, s.what, s.p)
		}
	}
	// The controller manager hands every node a /24 of the pod subnet.
	if bits := p.PodSubnet.Bits(); bits > 24 || 1<<(24-bits) < n {
		return fmt.Errorf("%w: pod subnet %s holds fewer than %d /24s (one per node)", ErrInvalid, p.PodSubnet, n)
	}
	if p.PodSubnet.Overlaps(p.ServiceSubnet) {
		return fmt.Errorf("%w: pod subnet %s overlaps service subnet %s", ErrInvalid, p.PodSubnet, p.ServiceSubnet)
	}
	return nil
}
