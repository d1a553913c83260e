package datapath

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"
)

// EventType is what happened to a connection.
type EventType uint32

// Event types, with the values the BPF programs use.
const (
	EventPaired   EventType = 1 // the second socket of a connection joined
	EventClosed   EventType = 2 // a short-circuited socket closed
	EventDenied   EventType = 3 // policy refused a connect or failed a send
	EventFallback EventType = 4 // a socket left the short-circuit for good
	EventRefused  EventType = 5 // a mesh socket kept out (wrong netns, TFO data)
)

func (t EventType) String() string {
	switch t {
	case EventPaired:
		return "paired"
	case EventClosed:
		return "closed"
	case EventDenied:
		return "denied"
	case EventFallback:
		return "fallback"
	case EventRefused:
		return "refused"
	}
	return fmt.Sprintf("event(%d)", uint32(t))
}

// Event is one ring buffer record. Local is the reporting socket; for a
// refused connect it is the client, port 0 as it is not bound yet.
type Event struct {
	Type                EventType
	Time                time.Time
	Cookie              uint64 // socket cookie, 0 for a refused connect
	Local, Remote       netip.AddrPort
	LocalPod, RemotePod string
	Msgs, Bytes         uint64 // sent by this socket through the short-circuit
}

// EventReader reads the ring buffer of one instance.
type EventReader struct {
	rd    *ringbuf.Reader
	names []string
	boot  time.Time // wall time of CLOCK_MONOTONIC zero
}

// Events opens a reader. Only one reader should read an instance at a time:
// each event goes to one of them.
func (d *Datapath) Events() (*EventReader, error) {
	rd, err := ringbuf.NewReader(d.maps.events)
	if err != nil {
		return nil, fmt.Errorf("open event ring buffer: %w", err)
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return nil, errors.Join(fmt.Errorf("read monotonic clock: %w", err), rd.Close())
	}
	return &EventReader{rd: rd, names: d.names, boot: time.Now().Add(-time.Duration(ts.Nano()))}, nil
}

// Read blocks for the next event. After Close it returns an error wrapping
// ringbuf.ErrClosed.
func (r *EventReader) Read() (Event, error) {
	rec, err := r.rd.Read()
	if err != nil {
		return Event{}, err
	}
	var raw meshMbEvent
	if err := binary.Read(bytes.NewReader(rec.RawSample), binary.NativeEndian, &raw); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	return Event{
		Type:      EventType(raw.Type),
		Time:      r.boot.Add(time.Duration(raw.TsNs)),
		Cookie:    raw.Cookie,
		Local:     netip.AddrPortFrom(keyAddr(raw.LocalIp), raw.LocalPort),
		Remote:    netip.AddrPortFrom(keyAddr(raw.RemoteIp), raw.RemotePort),
		LocalPod:  r.name(raw.LocalPod),
		RemotePod: r.name(raw.RemotePod),
		Msgs:      raw.Msgs,
		Bytes:     raw.Bytes,
	}, nil
}

func (r *EventReader) name(id uint32) string {
	if int(id) < len(r.names) {
		return r.names[id]
	}
	return ""
}

// Close unblocks Read.
func (r *EventReader) Close() error { return r.rd.Close() }

// ReadEvents calls fn for every event until ctx is done, fn fails or the
// reader is closed; a closed reader is the normal end and returns nil.
func (d *Datapath) ReadEvents(ctx context.Context, fn func(Event) error) error {
	r, err := d.Events()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer func() {
		if stop() {
			r.Close()
		}
	}()
	for {
		ev, err := r.Read()
		if errors.Is(err, ringbuf.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
}
