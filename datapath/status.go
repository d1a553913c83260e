package datapath

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/cilium/ebpf"
)

// Counters are one pod's datapath counters, summed over CPUs. Messages and
// bytes count on the sending pod; a connection counts on both pods.
type Counters struct {
	ConnsPaired     uint64 // connections with both sockets in the short-circuit
	ConnsClosed     uint64 // short-circuited sockets closed
	MsgsRedirected  uint64 // sends moved straight into the peer's queue
	BytesRedirected uint64
	MsgsFallback    uint64 // sends of mesh sockets that took the normal stack
	BytesFallback   uint64
	PolicyDenied    uint64 // connects refused and sends failed by policy
	PairRefused     uint64 // sockets kept out: wrong netns, TFO data, map full
	SpliceRefused   uint64 // splice(2) from a short-circuited socket, refused
	EventsLost      uint64 // ring buffer full (pod 0 only)
}

func (c *Counters) plus(o Counters) {
	c.ConnsPaired += o.ConnsPaired
	c.ConnsClosed += o.ConnsClosed
	c.MsgsRedirected += o.MsgsRedirected
	c.BytesRedirected += o.BytesRedirected
	c.MsgsFallback += o.MsgsFallback
	c.BytesFallback += o.BytesFallback
	c.PolicyDenied += o.PolicyDenied
	c.PairRefused += o.PairRefused
	c.SpliceRefused += o.SpliceRefused
	c.EventsLost += o.EventsLost
}

func fromRaw(r meshMbCounters) Counters {
	return Counters{
		ConnsPaired: r.ConnsPaired, ConnsClosed: r.ConnsClosed,
		MsgsRedirected: r.MsgsRedirected, BytesRedirected: r.BytesRedirected,
		MsgsFallback: r.MsgsFallback, BytesFallback: r.BytesFallback,
		PolicyDenied: r.PolicyDenied, PairRefused: r.PairRefused, SpliceRefused: r.SpliceRefused, EventsLost: r.EventsLost,
	}
}

// PodStatus is one endpoint's counters.
type PodStatus struct {
	Name string
	ID   uint32
	Counters
}

// Status is a snapshot of an instance.
type Status struct {
	Instance  string
	Enabled   bool
	Degraded  string      // why redirection is off, "" when it is on
	Warnings  []string    // risks accepted, pods without a fast path
	FastPath  *TCCounters // nil without the tc fast path
	Programs  []ProgramStats
	Guard     bool          // the splice guard is attached
	LoadTime  time.Duration // Up: load, fill, attach and pin
	ProbeTime time.Duration // Up: the kernel self-test
	UpSince   time.Time
	Pods      []PodStatus // by pod id
	Total     Counters    // all pods plus unattributed
	Flows     int         // sockets in the short-circuit now
	MapBytes  uint64      // kernel memory of all maps
	MapMemory map[string]uint64
}

// Status reads counters, map memory and load time.
func (d *Datapath) Status() (*Status, error) {
	cfg, err := d.maps.config()
	if err != nil {
		return nil, err
	}
	st := &Status{
		Instance:  d.instance,
		Enabled:   cfg.Enabled != 0,
		Degraded:  d.degraded,
		Guard:     cfg.Flags&cfgGuard != 0,
		LoadTime:  time.Duration(cfg.LoadNs),
		ProbeTime: time.Duration(cfg.ProbeNs),
		UpSince:   time.Unix(0, int64(cfg.UpUnixNs)),
	}
	st.Warnings = append(st.Warnings, d.warnings...)
	if d.tcStats != nil {
		tc, err := readTCCounters(d.tcStats)
		if err != nil {
			return nil, err
		}
		st.FastPath = &tc
	}
	if cfg.Flags&cfgSpliceStalls != 0 && len(d.warnings) == 0 {
		st.Warnings = append(st.Warnings, "splice(2) from a short-circuited socket stalls on this kernel (no splice guard); accepted with probe mode no-splice")
	}
	var errs []error
	for id := range d.names {
		c, err := podCounters(d.maps, uint32(id))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.Total.plus(c)
		if id > 0 {
			st.Pods = append(st.Pods, PodStatus{Name: d.names[id], ID: uint32(id), Counters: c})
		}
	}
	st.Flows, err = countFlows(d.maps.flows)
	errs = append(errs, err)
	st.MapMemory, st.MapBytes, err = d.maps.memory()
	errs = append(errs, err)
	if _, err := os.Stat(d.dir); err == nil { // gone after Down
		st.Programs, err = programStats(d.dir)
		errs = append(errs, err)
	}
	return st, errors.Join(errs...)
}

func podCounters(m *mapSet, id uint32) (Counters, error) {
	var per []meshMbCounters
	if err := m.stats.Lookup(id, &per); err != nil {
		return Counters{}, fmt.Errorf("read counters of pod %d: %w", id, err)
	}
	var c Counters
	for _, p := range per {
		c.plus(fromRaw(p))
	}
	return c, nil
}

func countFlows(m *ebpf.Map) (int, error) {
	var k meshMbFlowKey
	var v uint64
	n := 0
	it := m.Iterate()
	for it.Next(&k, &v) {
		n++
	}
	if err := it.Err(); err != nil {
		return n, fmt.Errorf("count flows: %w", err)
	}
	return n, nil
}

// Flow is one socket in the short-circuit.
type Flow struct {
	Local, Remote string // address:port
	Cookie        uint64 // socket cookie
}

// Flows lists the sockets in the short-circuit, sorted by local address.
func (d *Datapath) Flows() ([]Flow, error) {
	var k meshMbFlowKey
	var v uint64
	var out []Flow
	it := d.maps.flows.Iterate()
	for it.Next(&k, &v) {
		out = append(out, Flow{Local: k.local().String(), Remote: k.remote().String(), Cookie: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Local < out[j].Local })
	if err := it.Err(); err != nil {
		return out, fmt.Errorf("list flows: %w", err)
	}
	return out, nil
}
