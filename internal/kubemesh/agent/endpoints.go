package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/meshbench/meshbench/datapath"
)

// Endpoint is one mesh pod as the agent is told it: a name, addresses and
// node. The agent finds the network namespaces of its own node's pods by
// their addresses at start (podNetns); the rest are matched by address.
type Endpoint struct {
	Name string     `json:"name"`
	IPv4 netip.Addr `json:"ipv4,omitzero"`
	IPv6 netip.Addr `json:"ipv6,omitzero"`
	Node string     `json:"node,omitempty"` // the Kubernetes node the pod runs on
}

// endpointsFile is the endpoints file: a JSON object, so fields can be
// added without breaking older agents.
type endpointsFile struct {
	Endpoints []Endpoint `json:"endpoints"`
}

// maxNameLen is the datapath's longest endpoint name.
const maxNameLen = 63

// EncodeEndpoints returns the endpoints file for eps, after checking them
// as DecodeEndpoints does.
func EncodeEndpoints(eps []Endpoint) ([]byte, error) {
	if err := validateEndpoints(eps); err != nil {
		return nil, err
	}
	if eps == nil {
		eps = []Endpoint{}
	}
	b, err := json.MarshalIndent(endpointsFile{Endpoints: eps}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode endpoints: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeEndpoints reads an endpoints file. Unknown fields, bad addresses,
// repeated names or addresses are errors naming the entry and field.
func DecodeEndpoints(r io.Reader) ([]Endpoint, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f endpointsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("endpoints: %w", err)
	}
	if dec.More() {
		return nil, errors.New("endpoints: more than one JSON value")
	}
	if f.Endpoints == nil {
		return nil, errors.New(`endpoints: field "endpoints": required (an empty list is [])`)
	}
	return f.Endpoints, validateEndpoints(f.Endpoints)
}

// ReadEndpointsFile reads the endpoints file at path.
func ReadEndpointsFile(path string) ([]Endpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	eps, err := DecodeEndpoints(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return eps, nil
}

func validateEndpoints(eps []Endpoint) error {
	names := map[string]int{}
	addrs := map[netip.Addr]int{}
	for i, ep := range eps {
		bad := func(field, format string, args ...any) error {
			return fmt.Errorf("endpoints[%d].%s: %s", i, field, fmt.Sprintf(format, args...))
		}
		if ep.Name == "" || len(ep.Name) > maxNameLen {
			return bad("name", "want 1 to %d bytes, got %q", maxNameLen, ep.Name)
		}
		if j, dup := names[ep.Name]; dup {
			return bad("name", "%q already names endpoints[%d]", ep.Name, j)
		}
		names[ep.Name] = i
		if !ep.IPv4.IsValid() && !ep.IPv6.IsValid() {
			return bad("ipv4", "endpoint %q has neither ipv4 nor ipv6", ep.Name)
		}
		if ep.IPv4.IsValid() && !ep.IPv4.Is4() {
			return bad("ipv4", "%s is not an IPv4 address", ep.IPv4)
		}
		if ep.IPv6.IsValid() && (!ep.IPv6.Is6() || ep.IPv6.Is4In6()) {
			return bad("ipv6", "%s is not an IPv6 address", ep.IPv6)
		}
		for _, f := range []struct {
			name string
			addr netip.Addr
		}{{"ipv4", ep.IPv4}, {"ipv6", ep.IPv6}} {
			if !f.addr.IsValid() {
				continue
			}
			if j, dup := addrs[f.addr]; dup {
				return bad(f.name, "%s is already the address of endpoints[%d]", f.addr, j)
			}
			addrs[f.addr] = i
		}
	}
	return nil
}

// DatapathEndpoints turns eps into the datapath's endpoints: addresses and
// node, and the network namespace where netns names one (see podNetns), so
// that connect(2) from there is attributed to the pod (policy by source)
// and only sockets living there join the short-circuit as it. No cgroup
// path: the pods' cgroups are the kubelet's.
func DatapathEndpoints(eps []Endpoint, netns map[string]string) []datapath.Endpoint {
	out := make([]datapath.Endpoint, len(eps))
	for i, ep := range eps {
		out[i] = datapath.Endpoint{Name: ep.Name, IPv4: ep.IPv4, IPv6: ep.IPv6, Node: ep.Node, Netns: netns[ep.Name]}
	}
	return out
}
