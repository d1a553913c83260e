package conformance

import (
	"errors"
	"fmt"
	"net"
)

// The flow maps hold datapath.DefaultMaxFlows sockets: 32768 connections
// on one node, too many to open in seconds on a small machine. The case
// brings the datapath up again with room for capacityFlows sockets (the
// same programs; only the maps' max_entries differ) and opens more
// connections than that.
const (
	capacityFlows = 16
	capacityConns = 24
)

// flowSizer is an eBPF mesh that can be brought up again with flow maps
// of another size: the local datapath, or every kind node's agent (its
// DaemonSet created again with the size).
type flowSizer interface {
	meshUnderTest
	ebpfDatapath
	// setMaxFlows sizes the flow maps of the next install; 0 is the
	// datapath's default.
	setMaxFlows(n int)
}

var (
	_ flowSizer = (*ebpfMesh)(nil)
	_ flowSizer = (*kindEBPF)(nil)
)

func runCapacity(e *Env) (err error) {
	m, ok := e.mesh.(flowSizer)
	if !ok {
		return errors.New("capacity needs the ebpf datapath")
	}
	if !e.sameNode {
		return e.NA("sockets of pods on different nodes are never short-circuited, so they take no flow map entries")
	}
	if why := m.degraded(); why != "" {
		return e.NA("the datapath is degraded and short-circuits no socket, so none takes a flow map entry (%s)", why)
	}
	e.setStep("bringing the datapath up with %d flow entries", capacityFlows)
	if err := m.uninstall(); err != nil {
		return err
	}
	m.setMaxFlows(capacityFlows)
	defer func() {
		m.setMaxFlows(0)
		rerr := errors.Join(m.uninstall(), m.install(e.ctx))
		if rerr != nil {
			err = errors.Join(err, fmt.Errorf("restore the full-size datapath: %w", rerr))
		}
	}()
	if err := m.install(e.ctx); err != nil {
		return err
	}
	before, err := m.counters(e.ctx)
	if err != nil {
		return err
	}
	var conns [][2]*net.TCPConn
	for i := range capacityConns {
		e.setStep("opening connection %d of %d", i+1, capacityConns)
		c, s, err := e.pair(e.client(), e.server())
		if err != nil {
			return fmt.Errorf("connection %d (flow map holds %d sockets): %w", i+1, capacityFlows, err)
		}
		conns = append(conns, [2]*net.TCPConn{c, s})
	}
	flows, err := m.flows()
	if err != nil {
		return err
	}
	e.record("flows_full", int64(flows))
	var g group
	for i, cs := range conns {
		g.spawn(func() error {
			if err := exchange(cs[0], cs[1], stream(800+i, 64<<10), stream(850+i, 64<<10), writeOnce); err != nil {
				return fmt.Errorf("connection %d: %w", i+1, err)
			}
			return nil
		})
	}
	e.setStep("exchanging on %d connections at once", capacityConns)
	if err := g.wait(); err != nil {
		return err
	}
	after, err := m.counters(e.ctx)
	if err != nil {
		return err
	}
	ev, _ := m.judge(sub(after, before), e.usedPods(), true)
	switch {
	case flows > capacityFlows:
		return fmt.Errorf("%d sockets in a flow map of %d", flows, capacityFlows)
	case ev["pair_refused"] == 0:
		return fmt.Errorf("no socket was refused a flow entry with %d sockets for %d entries: the map never filled", 2*capacityConns, capacityFlows)
	case ev["msgs_redirected"] == 0:
		return errors.New("no connection was short-circuited while the map had room")
	}
	for _, cs := range conns {
		cs[0].Close()
		cs[1].Close()
	}
	if err := e.checkNoLeak(); err != nil {
		return err
	}
	// With the map empty again, a new connection must be short-circuited.
	mark, err := m.counters(e.ctx)
	if err != nil {
		return err
	}
	c, s, err := e.pair(e.client(), e.server())
	if err != nil {
		return err
	}
	if err := exchange(c, s, stream(900, 4096), stream(901, 4096), writeOnce); err != nil {
		return fmt.Errorf("after the map emptied: %w", err)
	}
	return e.carriedSince(mark, "after the full flow map emptied again")
}
