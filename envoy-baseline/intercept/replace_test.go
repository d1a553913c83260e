package intercept

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/testenv"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// TestReplaceInCurrentNamespace does what the sidecar-init container does:
// capture the namespace it runs in, holding CAP_NET_ADMIN but not
// CAP_SYS_ADMIN (so no setns), and twice, as a restarted pod would.
func TestReplaceInCurrentNamespace(t *testing.T) {
	testenv.RequirePrivileged(t)
	path := newNetns(t)
	// inside runs fn as the init container would: in the namespace, with
	// CAP_SYS_ADMIN out of the thread's effective set.
	inside := func(fn func() error) error {
		return netnsutil.Do(path, func() error { return withoutSysAdmin(fn) })
	}
	cfg := Config{IPv6: TProxy, ExcludeInboundPorts: []uint16{15021}}
	for i := range 2 {
		var c *Capture
		err := inside(func() error {
			var err error
			c, err = Replace("", cfg)
			return err
		})
		if err != nil {
			t.Fatalf("Replace #%d without CAP_SYS_ADMIN: %v", i+1, err)
		}
		for _, tbl := range c.Tables() {
			checkKernelRules(t, path, tbl)
		}
		rules, routes := policyRouting(t, path)
		if len(rules) != 1 || rules[0].Family != netlink.FAMILY_V6 || len(routes) != 1 {
			t.Errorf("after Replace #%d: policy rules %v, routes %v; want one IPv6 rule and route", i+1, rules, routes)
		}
	}
	err := inside(func() error { _, err := Install("", cfg); return err })
	if !errors.Is(err, ErrInstalled) {
		t.Errorf("Install over a capture = %v, want ErrInstalled", err)
	}
	// A capture of another mode is replaced whole, its routing too.
	var c *Capture
	if err := inside(func() error { var err error; c, err = Replace("", Config{}); return err }); err != nil {
		t.Fatal(err)
	}
	if rules, routes := policyRouting(t, path); len(rules) != 0 || len(routes) != 0 {
		t.Errorf("REDIRECT over TPROXY: policy rules %v, routes %v left", rules, routes)
	}
	if err := inside(c.Remove); err != nil {
		t.Fatal(err)
	}
	if ok, err := Exists(path); err != nil || ok {
		t.Errorf("after Remove: Exists = %v, %v", ok, err)
	}
}

// newNetns makes a network namespace with lo up that lives as long as the
// test, and returns a path to it.
func newNetns(t *testing.T) string {
	t.Helper()
	var f *os.File
	err := netnsutil.With(func() error { return unix.Unshare(unix.CLONE_NEWNET) }, func() error {
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetUp(lo) // as in every pod
		}
		if err != nil {
			return err
		}
		f, err = os.Open("/proc/thread-self/ns/net")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd())
}

// withoutSysAdmin runs fn on the calling (locked) thread with CAP_SYS_ADMIN
// out of its effective set, then puts it back.
func withoutSysAdmin(fn func() error) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	orig := data
	data[unix.CAP_SYS_ADMIN/32].Effective &^= 1 << (unix.CAP_SYS_ADMIN % 32)
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	err := fn()
	if rerr := unix.Capset(&hdr, &orig[0]); rerr != nil {
		return errors.Join(err, fmt.Errorf("restore capabilities: %w", rerr))
	}
	return err
}
