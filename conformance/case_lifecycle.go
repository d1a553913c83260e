package conformance

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// opLimit is how long one echo of live traffic may take: longer is a hang.
const opLimit = 2 * time.Second

// liveTraffic keeps echoing over long-lived connections and opens a new
// connection every few milliseconds, until stopped.
type liveTraffic struct {
	e      *Env
	ln     *net.TCPListener
	stop   chan struct{}
	g      group
	ops    atomic.Int64
	broken atomic.Int64 // connections that ended with a prompt error
	maxOp  atomic.Int64 // microseconds
	mu     sync.Mutex
	broke  []string
}

func (t *liveTraffic) start(workers int) {
	for w := range workers {
		t.g.spawn(func() error { return t.longLived(w) })
	}
	t.g.spawn(t.dialer)
}

func (t *liveTraffic) stopped() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

// echo sends one message and wants it back within opLimit.
func (t *liveTraffic) echo(c *net.TCPConn, id int) error {
	start := time.Now()
	limit := start.Add(opLimit)
	if t.e.deadline.Before(limit) {
		limit = t.e.deadline
	}
	if err := c.SetDeadline(limit); err != nil {
		return err
	}
	err := echoOnce(c, stream(id%997, 1+id%3000))
	storeMax(&t.maxOp, time.Since(start).Microseconds())
	t.ops.Add(1)
	return err
}

// longLived echoes on one connection; a connection that fails promptly is
// counted and replaced, one that stalls or corrupts fails the case.
func (t *liveTraffic) longLived(w int) error {
	var c *net.TCPConn
	for i := 0; !t.stopped(); i++ {
		if c == nil {
			var err error
			if c, err = t.e.dial(t.e.client(), addrOf(t.ln)); err != nil {
				return fmt.Errorf("worker %d: reconnect: %w", w, err)
			}
		}
		broken, err := t.judge(t.echo(c, w*100000+i), fmt.Sprintf("live connection %d", w))
		if err != nil {
			return err
		}
		if broken {
			c.Close()
			c = nil
		}
	}
	return nil
}

// judge sorts an echo's error: a stall or corruption fails the case, a
// prompt error (the connection was reset or closed) is counted.
func (t *liveTraffic) judge(err error, what string) (broken bool, _ error) {
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return true, fmt.Errorf("%s stalled, no echo within %s (%s)", what, opLimit, t.e.stepText())
	case errors.Is(err, errCorrupt):
		return true, fmt.Errorf("%s (%s): %w", what, t.e.stepText(), err)
	}
	t.broken.Add(1)
	t.mu.Lock()
	t.broke = append(t.broke, fmt.Sprintf("%s (%s): %v", what, t.e.stepText(), err))
	t.mu.Unlock()
	return true, nil
}

// dialer opens a fresh connection every 10 ms and echoes once on it.
func (t *liveTraffic) dialer() error {
	for i := 0; !t.stopped(); i++ {
		c, err := t.e.dial(t.e.client(), addrOf(t.ln))
		if err != nil {
			return fmt.Errorf("new connection %d: %w", i, err)
		}
		_, err = t.judge(t.echo(c, 500000+i), fmt.Sprintf("new connection %d", i))
		c.Close()
		if err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

func runLifecycle(e *Env) error {
	ln, err := e.listenOn(e.server(), 0, sockOpts{})
	if err != nil {
		return err
	}
	e.serveEcho(ln)
	t := &liveTraffic{e: e, ln: ln, stop: make(chan struct{})}
	t.start(3)
	phase := func(what string, fn func() error) error {
		time.Sleep(300 * time.Millisecond)
		e.setStep("%s under live traffic", what)
		if err := fn(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	var mid map[string]int64
	err = errors.Join(
		phase("removing the mesh", e.mesh.uninstall),
		phase("re-adding the mesh", func() error {
			if err := e.mesh.install(e.ctx); err != nil {
				return err
			}
			mid, err = e.mesh.counters(e.ctx)
			return err
		}),
		phase("running on the re-added mesh", func() error { return nil }),
	)
	close(t.stop)
	err = errors.Join(err, t.g.wait())
	e.record("echoes", t.ops.Load())
	e.record("max_echo_us", t.maxOp.Load())
	e.record("conns_broken", t.broken.Load())
	if err != nil {
		return err
	}
	if n := t.broken.Load(); n > 0 {
		if e.mesh.name() == MeshEBPF {
			return fmt.Errorf("%d connections broke although the datapath keeps established connections working, first: %s", n, t.broke[0])
		}
		e.note("%d connections through the removed proxies ended promptly with an error (as on a proxy restart) and were replaced; none stalled", n)
	}
	return e.carriedSince(mid, "after the mesh was re-added")
}

// carriedSince fails when the mesh did not carry the run's traffic since
// the counters in base were read.
func (e *Env) carriedSince(base map[string]int64, when string) error {
	now, err := e.mesh.counters(e.ctx)
	if err != nil || base == nil {
		return err
	}
	if _, path := e.mesh.judge(sub(now, base), e.usedPods(), e.sameNode); path == pathFallback {
		return fmt.Errorf("%s, new connections did not go through it", when)
	}
	return nil
}
