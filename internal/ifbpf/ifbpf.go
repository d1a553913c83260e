// Package ifbpf finds the BPF programs attached to the interfaces of a
// network namespace: TCX and classic tc (clsact or ingress qdisc) programs on
// ingress and egress, and XDP. Cgroup programs are found per cgroup instead
// (internal/cgroupv2, bench/cpuacct); together they are everything a
// datapath can run on a pod's packets and sockets.
package ifbpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// Program is one BPF program on one hook of one interface.
type Program struct {
	ID        ebpf.ProgramID
	Interface string
	Hook      string // tcx/ingress, tcx/egress, tc/ingress, tc/egress or xdp
}

func (p Program) String() string { return fmt.Sprintf("%s %s program %d", p.Interface, p.Hook, p.ID) }

var tcxHooks = []struct {
	attach ebpf.AttachType
	name   string
}{{ebpf.AttachTCXIngress, "tcx/ingress"}, {ebpf.AttachTCXEgress, "tcx/egress"}}

// tcParent is where classic tc filters hang under a qdisc.
type tcParent struct {
	handle uint32
	hook   string
}

// tcParents are the filter parents of the qdiscs that run BPF classifiers
// on a pod's traffic, by qdisc kind.
var tcParents = map[string][]tcParent{
	"clsact":  {{netlink.HANDLE_MIN_INGRESS, "tc/ingress"}, {netlink.HANDLE_MIN_EGRESS, "tc/egress"}},
	"ingress": {{netlink.HANDLE_MIN_INGRESS, "tc/ingress"}},
}

// List returns every BPF program attached to an interface of the network
// namespace at path (a /run/netns file or /proc/PID/ns/net). A hook this
// kernel lacks has nothing attached and is skipped.
func List(path string) ([]Program, error) {
	var out []Program
	err := netnsutil.Do(path, func() error {
		h, err := netlink.NewHandle()
		if err != nil {
			return fmt.Errorf("netlink: %w", err)
		}
		defer h.Close()
		links, err := h.LinkList()
		if err != nil {
			return fmt.Errorf("list interfaces: %w", err)
		}
		var errs []error
		for _, l := range links {
			progs, err := onLink(h, l)
			out = append(out, progs...)
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return out, fmt.Errorf("BPF programs on the interfaces of %s: %w", path, err)
	}
	return out, nil
}

// onLink lists one interface's programs; it runs inside the interface's
// network namespace, where its index means it.
func onLink(h *netlink.Handle, l netlink.Link) ([]Program, error) {
	a := l.Attrs()
	var out []Program
	if x := a.Xdp; x != nil && x.Attached && x.ProgId != 0 {
		out = append(out, Program{ID: ebpf.ProgramID(x.ProgId), Interface: a.Name, Hook: "xdp"})
	}
	for _, hook := range tcxHooks {
		res, err := link.QueryPrograms(link.QueryOptions{Target: a.Index, Attach: hook.attach})
		if errors.Is(err, unix.EINVAL) || errors.Is(err, ebpf.ErrNotSupported) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("query %s of %s: %w", hook.name, a.Name, err)
		}
		for _, p := range res.Programs {
			out = append(out, Program{ID: p.ID, Interface: a.Name, Hook: hook.name})
		}
	}
	qdiscs, err := h.QdiscList(l)
	if err != nil {
		return out, fmt.Errorf("list qdiscs of %s: %w", a.Name, err)
	}
	for _, q := range qdiscs {
		for _, parent := range tcParents[q.Type()] {
			filters, err := h.FilterList(l, parent.handle)
			if err != nil {
				return out, fmt.Errorf("list %s filters of %s: %w", parent.hook, a.Name, err)
			}
			for _, f := range filters {
				if bf, ok := f.(*netlink.BpfFilter); ok && bf.Id > 0 {
					out = append(out, Program{ID: ebpf.ProgramID(bf.Id), Interface: a.Name, Hook: parent.hook})
				}
			}
		}
	}
	return out, nil
}

// ListAll is List over several network namespaces, each read once however
// often it is named (pods of one node share the node's).
func ListAll(paths ...string) ([]Program, error) {
	seen := map[string]bool{}
	var out []Program
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		progs, err := List(p)
		out = append(out, progs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Count is how many programs ListAll finds. Zero is the evidence that no
// datapath touches the packets of those namespaces.
func Count(paths ...string) (int, error) {
	progs, err := ListAll(paths...)
	return len(progs), err
}
