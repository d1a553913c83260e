package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/local"
)

// Env is what one run of a case gets: its pods, its address family, the
// mesh and a deadline every socket it opens already carries. Everything
// it opens is closed when the run ends, hung or not.
type Env struct {
	ctx      context.Context
	deadline time.Time
	pods     []local.Pod // the cluster's, node-major, podsPerNode per node
	mesh     meshUnderTest
	sameNode bool
	v6       bool
	// port is the first of portsPerRun ports no other run uses, for cases
	// that need fixed ports.
	port uint16

	mu      sync.Mutex
	closers []io.Closer
	used    map[string]local.Pod
	ev      map[string]int64
	notes   []string
	step    string
}

// errNA marks a case that does not apply; its text says why.
type errNA struct{ why string }

func (e errNA) Error() string { return e.why }

// NA ends the run as not applicable.
func (e *Env) NA(format string, args ...any) error { return errNA{fmt.Sprintf(format, args...)} }

// errSignalling marks a failure in how the end of a stream was reported
// (an abort that reached the peer as a clean EOF) when every byte arrived
// as sent. It fails the case; it does not make benchmark numbers of the
// mesh meaningless, since no benchmark aborts a connection (see
// Report.Verdict).
type errSignalling struct{ msg string }

func (e errSignalling) Error() string { return e.msg }

// signalling returns an errSignalling.
func signalling(format string, args ...any) error {
	return errSignalling{fmt.Sprintf(format, args...)}
}

// pod returns pod j of the client's node (node 0) or of the far node
// (node 1 across nodes, node 0 on one node).
func (e *Env) pod(far bool, j int) local.Pod {
	n := 0
	if far && !e.sameNode {
		n = 1
	}
	return e.pods[n*podsPerNode+j]
}

// The pods most cases use.
func (e *Env) client() local.Pod   { return e.pod(false, 0) }
func (e *Env) server() local.Pod   { return e.pod(true, 1) }
func (e *Env) third() local.Pod    { return e.pod(true, 2) }  // another pod on the server's node
func (e *Env) neighbor() local.Pod { return e.pod(false, 2) } // another pod on the client's node

// ip is p's address in the run's family.
func (e *Env) ip(p local.Pod) netip.Addr {
	if e.v6 {
		return p.IPv6
	}
	return p.IPv4
}

// setStep records what the case is doing, for the message if it hangs.
func (e *Env) setStep(format string, args ...any) {
	e.mu.Lock()
	e.step = fmt.Sprintf(format, args...)
	e.mu.Unlock()
}

// note records an observation that is not a failure.
func (e *Env) note(format string, args ...any) {
	e.mu.Lock()
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

// record adds a number the case measured to the evidence.
func (e *Env) record(key string, v int64) {
	e.mu.Lock()
	e.ev[key] += v
	e.mu.Unlock()
}

func (e *Env) track(c io.Closer, pods ...local.Pod) {
	e.mu.Lock()
	e.closers = append(e.closers, c)
	e.mu.Unlock()
	e.use(pods...)
}

// use adds pods to those whose mesh counters make the run's evidence.
func (e *Env) use(pods ...local.Pod) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range pods {
		e.used[p.Name] = p
	}
}

// closeAll closes every socket and file of the run; closing twice is fine.
func (e *Env) closeAll() {
	e.mu.Lock()
	cs := e.closers
	e.closers = nil
	e.mu.Unlock()
	for _, c := range cs {
		_ = c.Close() // most are closed already; the run's verdict is made
	}
}

func (e *Env) usedPods() []local.Pod {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]local.Pod, 0, len(e.used))
	for _, p := range e.used {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// listenOn opens a listener of pod p on its address and port (0: any).
func (e *Env) listenOn(p local.Pod, port uint16, o sockOpts) (*net.TCPListener, error) {
	return e.listenAt(p, netip.AddrPortFrom(e.ip(p), port), o)
}

func (e *Env) listenAt(p local.Pod, addr netip.AddrPort, o sockOpts) (*net.TCPListener, error) {
	ln, err := listenIn(e.ctx, p, addr, o)
	if err != nil {
		return nil, err
	}
	e.track(ln, p)
	return ln, ln.SetDeadline(e.deadline)
}

// accept accepts one connection, bounded by the run's deadline.
func (e *Env) accept(ln *net.TCPListener) (*net.TCPConn, error) {
	c, err := ln.AcceptTCP()
	if err != nil {
		return nil, fmt.Errorf("accept on %s: %w", ln.Addr(), err)
	}
	e.track(c)
	return c, c.SetDeadline(e.deadline)
}

// dial connects from pod p (any port) to dst.
func (e *Env) dial(p local.Pod, dst netip.AddrPort) (*net.TCPConn, error) {
	return e.dialFromPort(p, 0, dst, sockOpts{})
}

func (e *Env) dialFromPort(p local.Pod, port uint16, dst netip.AddrPort, o sockOpts) (*net.TCPConn, error) {
	src := netip.AddrPortFrom(p.IPv4, port)
	if dst.Addr().Is6() && !dst.Addr().Is4In6() {
		src = netip.AddrPortFrom(p.IPv6, port)
	}
	e.use(p)
	c, err := dialFrom(e.ctx, p, src, dst, o)
	if err != nil {
		return nil, err
	}
	e.track(c, p)
	return c, c.SetDeadline(e.deadline)
}

// pair listens in pod to, connects from pod from and accepts: a fresh
// connection (client end, server end).
func (e *Env) pair(from, to local.Pod) (*net.TCPConn, *net.TCPConn, error) {
	ln, err := e.listenOn(to, 0, sockOpts{})
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	c, err := e.dial(from, addrOf(ln))
	if err != nil {
		return nil, nil, err
	}
	s, err := e.accept(ln)
	return c, s, err
}

func addrOf(ln net.Listener) netip.AddrPort { return ln.Addr().(*net.TCPAddr).AddrPort() }

func (e *Env) stepText() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.step
}

// hangDetail describes a run that ran out of time.
func (e *Env) hangDetail(limit time.Duration, err error) string {
	step := e.stepText()
	msg := fmt.Sprintf("no progress within the %s time limit (a hang)", limit)
	if step != "" {
		msg += " while " + step
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		first, _, _ := strings.Cut(err.Error(), "\n") // the rest are its echoes
		msg += ": " + first
	}
	return msg
}

func (e *Env) notesText() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.notes, "; ")
}
