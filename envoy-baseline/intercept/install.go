package intercept

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"

	"github.com/google/nftables"
)

// ErrInstalled means the namespace already has a table named TableName:
// another capture is installed there, and Install leaves it alone.
var ErrInstalled = errors.New("traffic capture already installed")

// Capture is the traffic capture installed in one network namespace.
type Capture struct {
	netns  string
	cfg    Config
	tables []Table

	mu   sync.Mutex
	done bool
}

// Install captures the traffic of the network namespace at netnsPath (such
// as /run/netns/<pod>; "" for the caller's own, as an init container in the
// pod does) as cfg says. The tables of both families go in as one
// nftables transaction; then, for TProxy families, the policy routing.
// On error nothing is left behind.
func Install(netnsPath string, cfg Config) (*Capture, error) {
	cfg.Normalize()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("capture config: %w", err)
	}
	c := &Capture{netns: netnsPath, cfg: cfg, tables: Plan(cfg)}
	err := withConn(netnsPath, func(ns *os.File, cc *nftables.Conn) error {
		for _, t := range c.tables {
			exists, err := hasTable(cc, t.Family)
			if err != nil {
				return err
			}
			if exists {
				return fmt.Errorf("table %s %s: %w", t.Family, TableName, ErrInstalled)
			}
			if err := queue(cc, t); err != nil {
				return err
			}
		}
		if err := cc.Flush(); err != nil {
			return fmt.Errorf("add nftables rules: %w", err)
		}
		return addRouting(ns, c.routed())
	})
	if err != nil {
		if !errors.Is(err, ErrInstalled) {
			err = errors.Join(err, c.Remove())
		}
		return nil, fmt.Errorf("capture traffic in %s: %w", nsName(netnsPath), err)
	}
	return c, nil
}

// Tables returns what was installed, for display.
func (c *Capture) Tables() []Table { return slices.Clone(c.tables) }

// Stop ends the capture of new connections but keeps what connections
// captured already need until Remove: each chain keeps one rule, "ct
// direction reply return", which captures nothing but holds the
// namespace's conntrack (removing the last NAT rule releases it, and with
// it the NAT translation of every connection). Stop a pod's capture, then
// its proxy, then Remove it: the proxy's FIN or RST then still reaches the
// applications it served, where deleting the rules first leaves them
// waiting for a close that never arrives (the conformance suite's
// lifecycle case caught it). A namespace that no longer exists has nothing
// to stop.
func (c *Capture) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	hold, err := ruleExprs(IPv4, Rule{CtReply: true, Verdict: Return})
	if err != nil {
		return err
	}
	err = withConn(c.netns, func(_ *os.File, cc *nftables.Conn) error {
		for _, t := range c.tables {
			exists, err := hasTable(cc, t.Family)
			if err != nil || !exists {
				return err
			}
			for _, ch := range t.Chains {
				chain := &nftables.Chain{Name: ch.Name, Table: nfTable(t.Family)}
				cc.FlushChain(chain)
				cc.AddRule(&nftables.Rule{Table: chain.Table, Chain: chain, Exprs: hold})
			}
		}
		if err := cc.Flush(); err != nil {
			return fmt.Errorf("empty nftables chains: %w", err)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("stop capture in %s: %w", nsName(c.netns), err)
	}
	return nil
}

// Remove deletes the tables and routing Install added and nothing else. A
// namespace that no longer exists has nothing left to remove. Remove is
// idempotent.
func (c *Capture) Remove() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	err := withConn(c.netns, func(ns *os.File, cc *nftables.Conn) error {
		var errs []error
		for _, t := range c.tables {
			exists, err := hasTable(cc, t.Family)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if exists {
				cc.DelTable(nfTable(t.Family))
			}
		}
		if err := cc.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("delete nftables tables: %w", err))
		}
		return errors.Join(append(errs, delRouting(ns, c.routed()))...)
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil // the namespace is gone, and everything in it
	}
	if err != nil {
		return fmt.Errorf("remove capture from %s: %w", nsName(c.netns), err)
	}
	c.done = true
	return nil
}

// routed lists the routes TProxy families need.
func (c *Capture) routed() []policyRoute {
	var rs []policyRoute
	for _, t := range c.tables {
		if t.Mode == TProxy {
			rs = append(rs, policyRoute{family: t.Family, mark: c.cfg.Mark, table: c.cfg.RouteTable})
		}
	}
	return rs
}

// Exists reports whether the namespace at netnsPath has a capture table of
// either family (Install's or anyone's of the same name).
func Exists(netnsPath string) (bool, error) {
	var found bool
	err := withConn(netnsPath, func(_ *os.File, cc *nftables.Conn) error {
		for _, f := range []Family{IPv4, IPv6} {
			ok, err := hasTable(cc, f)
			if err != nil {
				return err
			}
			found = found || ok
		}
		return nil
	})
	return found, err
}

// withConn runs fn with an nftables connection into the namespace at path.
// An empty path is the calling thread's own namespace, used as it is: no
// setns(2), which needs CAP_SYS_ADMIN that an istio-init-style init
// container (CAP_NET_ADMIN and CAP_NET_RAW only) does not have. fn then gets
// a nil ns.
func withConn(path string, fn func(ns *os.File, cc *nftables.Conn) error) error {
	if path == "" {
		cc, err := nftables.New()
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		return fn(nil, cc)
	}
	ns, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open netns: %w", err)
	}
	defer ns.Close()
	cc, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	return fn(ns, cc)
}

func hasTable(cc *nftables.Conn, f Family) (bool, error) {
	want := nfTable(f)
	tables, err := cc.ListTablesOfFamily(want.Family)
	if err != nil {
		return false, fmt.Errorf("list %s tables: %w", f, err)
	}
	return slices.ContainsFunc(tables, func(t *nftables.Table) bool { return t.Name == want.Name }), nil
}
