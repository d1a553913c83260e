package intercept

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// rulePriority is where the policy rule goes: before the main table, where
// `ip rule add` without a priority would put it.
const rulePriority = 32765

// policyRoute is TProxy's routing for one family: packets carrying mark
// are looked up in table, whose only route delivers everything locally via
// lo, so marked outbound packets loop back into the prerouting hook.
type policyRoute struct {
	family Family
	mark   uint32
	table  uint32
}

func (p policyRoute) nlFamily() int {
	if p.family == IPv6 {
		return netlink.FAMILY_V6
	}
	return netlink.FAMILY_V4
}

func (p policyRoute) rule() *netlink.Rule {
	r := netlink.NewRule()
	r.Family = p.nlFamily()
	r.Mark = p.mark
	r.Table = int(p.table)
	r.Priority = rulePriority
	return r
}

func (p policyRoute) route(lo int) *netlink.Route {
	dst := &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}
	if p.family == IPv6 {
		dst = &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
	}
	return &netlink.Route{
		Family: p.nlFamily(), Dst: dst, Type: unix.RTN_LOCAL, Table: int(p.table),
		LinkIndex: lo, Scope: netlink.SCOPE_HOST,
	}
}

func (p policyRoute) String() string {
	return fmt.Sprintf("%s rule fwmark 0x%x lookup %d, route local default dev lo table %d", p.family, p.mark, p.table, p.table)
}

// addRouting adds the rules and routes of rs in ns.
func addRouting(ns *os.File, rs []policyRoute) error {
	if len(rs) == 0 {
		return nil
	}
	return withHandle(ns, func(h *netlink.Handle, lo int) error {
		for _, p := range rs {
			if err := h.RouteAdd(p.route(lo)); err != nil {
				return fmt.Errorf("add %s: route: %w", p, err)
			}
			if err := h.RuleAdd(p.rule()); err != nil {
				return fmt.Errorf("add %s: rule: %w", p, err)
			}
		}
		return nil
	})
}

// delRouting deletes the rules and routes of rs from ns; missing ones are
// not errors.
func delRouting(ns *os.File, rs []policyRoute) error {
	if len(rs) == 0 {
		return nil
	}
	return withHandle(ns, func(h *netlink.Handle, lo int) error {
		var errs []error
		for _, p := range rs {
			if err := h.RuleDel(p.rule()); err != nil && !missing(err) {
				errs = append(errs, fmt.Errorf("delete %s: rule: %w", p, err))
			}
			if err := h.RouteDel(p.route(lo)); err != nil && !missing(err) {
				errs = append(errs, fmt.Errorf("delete %s: route: %w", p, err))
			}
		}
		return errors.Join(errs...)
	})
}

func missing(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH)
}

// withHandle runs fn with a netlink handle into ns; nil is the calling
// thread's own namespace, entered without setns(2) (see withConn).
func withHandle(ns *os.File, fn func(h *netlink.Handle, lo int) error) error {
	var h *netlink.Handle
	var err error
	if ns == nil {
		h, err = netlink.NewHandle()
	} else {
		h, err = netlink.NewHandleAt(netns.NsHandle(ns.Fd()))
	}
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("find lo: %w", err)
	}
	return fn(h, lo.Attrs().Index)
}
