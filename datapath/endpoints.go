package datapath

import (
	"bytes"
	"fmt"
	"net/netip"
)

const podNameLen = 64 // MB_POD_NAME_LEN

// writeEndpoints gives endpoint i pod id i+1 and fills the endpoint and
// attribution maps. It returns the names indexed by pod id.
func writeEndpoints(m *mapSet, eps []Endpoint, nodes map[string]uint32) ([]string, error) {
	names := make([]string, len(eps)+1)
	cookies := make([]uint64, len(eps))
	perNetns := map[uint64]int{}
	for i, ep := range eps {
		if ep.Netns == "" {
			continue
		}
		c, err := netnsCookie(ep.Netns)
		if err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", ep.Name, err)
		}
		cookies[i] = c
		perNetns[c]++
	}
	for i, ep := range eps {
		id := uint32(i + 1)
		names[id] = ep.Name
		var pn meshMbPodName
		for j := 0; j < len(ep.Name); j++ {
			pn.Name[j] = int8(ep.Name[j])
		}
		if err := m.podNames.Put(id, pn); err != nil {
			return nil, fmt.Errorf("endpoint %s: write name: %w", ep.Name, err)
		}
		val := meshMbEndpoint{NetnsCookie: cookies[i], PodId: id, NodeId: nodes[ep.Node]}
		for _, a := range []netip.Addr{ep.IPv4, ep.IPv6} {
			if !a.IsValid() {
				continue
			}
			if err := m.endpoints.Put(addrKey(a), val); err != nil {
				return nil, fmt.Errorf("endpoint %s: write %s: %w", ep.Name, a, err)
			}
		}
		// A netns shared by several endpoints says nothing about which
		// of them connects; those rely on their cgroups.
		if c := cookies[i]; c != 0 && perNetns[c] == 1 {
			if err := m.podNetns.Put(c, id); err != nil {
				return nil, fmt.Errorf("endpoint %s: write netns: %w", ep.Name, err)
			}
		}
		if ep.Cgroup != "" {
			cg, err := cgroupID(ep.Cgroup)
			if err != nil {
				return nil, fmt.Errorf("endpoint %s: %w", ep.Name, err)
			}
			if err := m.podCgroup.Put(cg, id); err != nil {
				return nil, fmt.Errorf("endpoint %s: write cgroup: %w", ep.Name, err)
			}
		}
	}
	return names, nil
}

// readNames reads the endpoint names of a pinned instance.
func readNames(m *mapSet) ([]string, error) {
	names := []string{""}
	for id := uint32(1); id <= maxPods; id++ {
		var pn meshMbPodName
		if err := m.podNames.Lookup(id, &pn); err != nil {
			return nil, fmt.Errorf("read endpoint name %d: %w", id, err)
		}
		b := make([]byte, 0, podNameLen)
		for _, c := range pn.Name {
			b = append(b, byte(c))
		}
		name := string(bytes.TrimRight(b, "\x00"))
		if name == "" {
			break
		}
		names = append(names, name)
	}
	return names, nil
}

func (d *Datapath) podIDs() map[string]uint32 {
	ids := make(map[string]uint32, len(d.names))
	for id, n := range d.names {
		if id > 0 {
			ids[n] = uint32(id)
		}
	}
	return ids
}

// endpoints lists the endpoints by name only: enough to validate a policy.
func (d *Datapath) endpoints() []Endpoint {
	eps := make([]Endpoint, 0, len(d.names))
	for _, n := range d.names[1:] {
		eps = append(eps, Endpoint{Name: n})
	}
	return eps
}

// podName is the endpoint name of a pod id, "" for none.
func (d *Datapath) podName(id uint32) string {
	if int(id) < len(d.names) {
		return d.names[id]
	}
	return ""
}
