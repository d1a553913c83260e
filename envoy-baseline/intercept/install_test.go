package intercept

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/internal/testenv"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// TestInstallRemove installs a capture (IPv4 REDIRECT, IPv6 TPROXY) in a
// real pod namespace, reads back what the kernel holds, and removes it.
func TestInstallRemove(t *testing.T) {
	testenv.RequirePrivileged(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := local.Up(ctx, local.Config{Name: fmt.Sprintf("t%08x", rand.Uint32()), Nodes: 1, PodsPerNode: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Error(err)
		}
	})
	pod := c.Pods()[0]
	cp, err := Install(pod.Netns, Config{IPv6: TProxy, ExcludeInboundPorts: []uint16{15020}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range cp.Tables() {
		checkKernelRules(t, pod.Netns, tbl)
		checkNftListing(t, pod.Netns, tbl)
	}
	if rules, routes := policyRouting(t, pod.Netns); len(rules) != 1 || rules[0].Family != netlink.FAMILY_V6 || len(routes) != 1 {
		t.Errorf("policy routing: rules %v, routes %v; want one IPv6 rule and route", rules, routes)
	}

	if _, err := Install(pod.Netns, Config{}); !errors.Is(err, ErrInstalled) {
		t.Fatalf("second Install = %v, want ErrInstalled", err)
	}
	if ok, err := Exists(pod.Netns); err != nil || !ok {
		t.Fatalf("after a refused second Install: Exists = %v, %v; the first capture must stay", ok, err)
	}

	if err := cp.Remove(); err != nil {
		t.Fatal(err)
	}
	if ok, err := Exists(pod.Netns); err != nil || ok {
		t.Fatalf("after Remove: Exists = %v, %v", ok, err)
	}
	if rules, routes := policyRouting(t, pod.Netns); len(rules) != 0 || len(routes) != 0 {
		t.Errorf("after Remove: policy rules %v, routes %v left", rules, routes)
	}
	if err := cp.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}

	// A capture whose namespace is gone has nothing left to remove.
	cp, err = Install(pod.Netns, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Down(); err != nil {
		t.Fatal(err)
	}
	if err := cp.Remove(); err != nil {
		t.Fatalf("Remove after the namespace is gone: %v", err)
	}
}

// checkKernelRules compares the kernel's copy of tbl's rules, expression
// by expression, with what Install compiled.
func checkKernelRules(t *testing.T, netnsPath string, tbl Table) {
	t.Helper()
	ns, err := os.Open(netnsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	cc, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range tbl.Chains {
		got, err := cc.GetRules(nfTable(tbl.Family), &nftables.Chain{Name: ch.Name})
		if err != nil {
			t.Fatalf("%s chain %s: %v", tbl.Family, ch.Name, err)
		}
		if len(got) != len(ch.Rules) {
			t.Fatalf("%s chain %s: kernel has %d rules, want %d", tbl.Family, ch.Name, len(got), len(ch.Rules))
		}
		for i, r := range ch.Rules {
			want, err := ruleExprs(tbl.Family, r)
			if err != nil {
				t.Fatal(err)
			}
			if k, w := decodable(got[i].Exprs), decodable(want); !reflect.DeepEqual(k, w) {
				t.Errorf("%s chain %s rule %d %q:\n kernel %s\n want   %s", tbl.Family, ch.Name, i, r, dump(k), dump(w))
			}
		}
	}
}

// checkNftListing compares `nft list table` (when nft is installed) with
// tbl's String, which renders nft's syntax: this covers the expressions
// the Go library cannot decode.
func checkNftListing(t *testing.T, netnsPath string, tbl Table) {
	t.Helper()
	bin, err := exec.LookPath("nft")
	if err != nil {
		t.Logf("nft is not installed; the kernel's rules are compared through the Go library only")
		return
	}
	var out []byte
	err = netnsutil.Do(netnsPath, func() error {
		var err error
		out, err = exec.Command(bin, "list", "table", tbl.Family.String(), TableName).CombinedOutput()
		return err
	})
	if err != nil {
		t.Fatalf("nft list: %v\n%s", err, out)
	}
	got := strings.NewReplacer("priority dstnat;", "priority -100;", "priority mangle;", "priority -150;").Replace(string(out))
	got = regexp.MustCompile(`counter packets \d+ bytes \d+`).ReplaceAllString(got, "counter")
	if got != tbl.String() {
		t.Errorf("nft list table %s %s:\n%s\nwant\n%s", tbl.Family, TableName, got, tbl)
	}
}

// decodable reduces expressions to what google/nftables v0.3.0 decodes
// from the kernel: counter values (which traffic changes) are dropped,
// tproxy expressions are not decoded at all, and a ct statement comes back
// without its source register. The traffic tests of the baseline package
// show that those parts work.
func decodable(es []expr.Any) []expr.Any {
	var out []expr.Any
	for _, e := range es {
		switch x := e.(type) {
		case *expr.Counter:
			out = append(out, &expr.Counter{})
		case *expr.TProxy:
		case *expr.Ct:
			if x.SourceRegister || x.Register == 0 {
				out = append(out, &expr.Ct{Key: x.Key})
			} else {
				out = append(out, x)
			}
		default:
			out = append(out, e)
		}
	}
	return out
}

// policyRouting lists the namespace's mark rules and table-133 routes.
func policyRouting(t *testing.T, netnsPath string) ([]netlink.Rule, []netlink.Route) {
	t.Helper()
	ns, err := netns.GetFromPath(netnsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	all, err := h.RuleList(netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var rules []netlink.Rule
	for _, r := range all {
		if r.Mark == DefaultMark {
			rules = append(rules, r)
		}
	}
	routes, err := h.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Table: DefaultRouteTable}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	return rules, routes
}

func dump(es []expr.Any) string {
	var s string
	for _, e := range es {
		s += fmt.Sprintf("%T%+v ", e, reflect.ValueOf(e).Elem().Interface())
	}
	return s
}
