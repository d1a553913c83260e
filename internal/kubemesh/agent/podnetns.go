package agent

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// podNetns finds, for each endpoint, the network namespace of this node
// that holds its address: the pod's own. The agent shares the node's PID
// namespace (hostPID), so procDir (/proc) lists every process of the node,
// the pods' sandbox (pause) processes included, and each network namespace
// is reached through the first process found in it. An endpoint whose
// address is in no namespace here (a pod of another node, or not started
// yet) is left out; one found in two namespaces is left out with a
// warning, since attributing it to either could be wrong; so is a
// namespace that cannot be read, which only costs its pods their
// attribution, not the node its datapath. The result maps
// endpoint names to /proc/<pid>/ns/net paths.
func podNetns(procDir string, eps []Endpoint) (found map[string]string, warnings []string, err error) {
	byAddr := map[netip.Addr]string{}
	for _, ep := range eps {
		for _, a := range []netip.Addr{ep.IPv4, ep.IPv6} {
			if a.IsValid() {
				byAddr[a] = ep.Name
			}
		}
	}
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, nil, fmt.Errorf("list processes: %w", err)
	}
	// Lowest PID first, so the same node gives the same answer every run.
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	seen := map[uint64]bool{}
	where := map[string][]string{} // endpoint -> netns paths holding its addresses
	var errs []error
	for _, pid := range pids {
		path := filepath.Join(procDir, strconv.Itoa(pid), "ns", "net")
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			continue // exited, or a kernel thread
		}
		if seen[st.Ino] {
			continue
		}
		seen[st.Ino] = true
		addrs, err := netnsAddrs(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // exited meanwhile
			}
			errs = append(errs, err)
			continue
		}
		names := map[string]bool{}
		for _, a := range addrs {
			if n, ok := byAddr[a]; ok && !names[n] {
				names[n] = true
				where[n] = append(where[n], path)
			}
		}
	}
	found = map[string]string{}
	for _, ep := range eps {
		switch ps := where[ep.Name]; len(ps) {
		case 0:
		case 1:
			found[ep.Name] = ps[0]
		default:
			warnings = append(warnings, fmt.Sprintf("endpoint %s: its addresses are in %d network namespaces (%v); it is matched by address only", ep.Name, len(ps), ps))
		}
	}
	for _, e := range errs {
		warnings = append(warnings, e.Error()+": its pods, if any, are matched by address only")
	}
	return found, warnings, nil
}

// netnsAddrs lists the addresses on the interfaces of the netns at path.
func netnsAddrs(path string) ([]netip.Addr, error) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", path, err)
	}
	defer h.Close()
	list, err := h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("addresses in %s: %w", path, err)
	}
	out := make([]netip.Addr, 0, len(list))
	for _, a := range list {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			out = append(out, ip.Unmap())
		}
	}
	return out, nil
}
