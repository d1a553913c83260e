package conformance

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/substrate/local"
)

// serveEcho accepts until ln closes and echoes on every connection.
func (e *Env) serveEcho(ln *net.TCPListener) {
	go func() {
		for {
			s, err := e.accept(ln)
			if err != nil {
				return // closed at the end of the run
			}
			go func() { _ = echoPlain(s) }() // the client checks every byte
		}
	}()
}

// echoOnce sends data on c and wants it back.
func echoOnce(c *net.TCPConn, data []byte) error {
	if err := writeOnce(c, data); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return readExpect(c, data)
}

// policyHolder is a mesh whose datapath takes a policy: the local
// datapath, or every kind node's agent.
type policyHolder interface {
	setPolicy(datapath.Policy) error
	degraded() string // why no socket is short-circuited, "" when they are
}

func runPolicy(e *Env) (err error) {
	m, ok := e.mesh.(policyHolder)
	if !ok {
		return errors.New("policy needs the ebpf datapath installed")
	}
	defer func() {
		if rerr := m.setPolicy(datapath.Policy{}); rerr != nil {
			err = errors.Join(err, fmt.Errorf("restore the empty policy: %w", rerr))
		}
	}()
	client, neighbor, server := e.client(), e.neighbor(), e.server()
	ln, err := e.listenOn(server, 0, sockOpts{})
	if err != nil {
		return err
	}
	e.serveEcho(ln)
	port := addrOf(ln).Port()
	rule := func(from local.Pod, a datapath.Action) datapath.Rule {
		return datapath.Rule{From: from.Name, To: server.Name, Port: port, Action: a}
	}
	steps := []struct {
		what            string
		policy          datapath.Policy
		allowed, denied local.Pod
	}{
		{"deny client", datapath.Policy{Rules: []datapath.Rule{rule(client, datapath.Deny)}}, neighbor, client},
		{"changed to deny neighbor", datapath.Policy{Rules: []datapath.Rule{rule(neighbor, datapath.Deny)}}, client, neighbor},
		{"default deny, client allowed", datapath.Policy{DefaultDeny: true, Rules: []datapath.Rule{rule(client, datapath.Allow)}}, client, neighbor},
	}
	var open *net.TCPConn // opened allowed in step 1, denied from step 2 on
	for i, st := range steps {
		e.setStep("policy %q", st.what)
		if err := m.setPolicy(st.policy); err != nil {
			return fmt.Errorf("set policy %q: %w", st.what, err)
		}
		if err := expectRefused(e, st.denied, ln); err != nil {
			return fmt.Errorf("policy %q: %w", st.what, err)
		}
		c, err := e.dial(st.allowed, addrOf(ln))
		if err != nil {
			return fmt.Errorf("policy %q: allowed pod %s: %w", st.what, st.allowed.Name, err)
		}
		if err := echoOnce(c, stream(400+i, 64<<10)); err != nil {
			return fmt.Errorf("policy %q: allowed pod %s: %w", st.what, st.allowed.Name, err)
		}
		if i == 0 {
			open = c
			continue
		}
		c.Close()
		if i == 1 {
			if err := checkOpenDenied(e, m, open); err != nil {
				return err
			}
		}
	}
	return nil
}

// expectRefused wants connect(2) from pod p refused at once.
func expectRefused(e *Env, p local.Pod, ln *net.TCPListener) error {
	start := time.Now()
	c, err := e.dial(p, addrOf(ln))
	took := time.Since(start)
	switch {
	case err == nil:
		c.Close()
		return fmt.Errorf("denied pod %s connected", p.Name)
	case !errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("denied pod %s: %w (want ECONNREFUSED)", p.Name, err)
	case took > time.Second:
		return fmt.Errorf("denied pod %s refused only after %s (want at once)", p.Name, took.Round(time.Millisecond))
	}
	e.record("refused_connects", 1)
	return nil
}

// checkOpenDenied: a connection opened while allowed and then denied. The
// datapath documents that its next send fails with EACCES; that holds for
// short-circuited (same-node) sockets, which sk_msg sees.
func checkOpenDenied(e *Env, m policyHolder, c *net.TCPConn) error {
	if err := c.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	err := echoOnce(c, stream(420, 100))
	switch {
	case errors.Is(err, syscall.EACCES):
		e.record("open_conn_refused", 1)
		return nil
	case err == nil && !e.sameNode:
		e.note("an open cross-node connection kept working after the policy denied it: across nodes policy applies at connect only")
		return nil
	case err == nil && m.degraded() != "":
		e.note("an open connection kept working after the policy denied it: the datapath is degraded (no socket short-circuited), so policy applies at connect only")
		return nil
	case err == nil:
		return errors.New("an open same-node connection kept working after the policy denied it (the datapath documents EACCES on its next send)")
	}
	return fmt.Errorf("open connection after the policy denied it: %w (want EACCES)", err)
}
