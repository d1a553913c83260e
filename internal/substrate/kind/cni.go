package kind

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"sigs.k8s.io/kind/pkg/cluster/nodes"
)

// Pod networking, done by hand since no CNI image is reachable offline:
// the reference plugins in the node image do what kindnetd would.
const (
	cniConfPath = "/etc/cni/net.d/10-meshbench.conflist"
	cniBinDir   = "/opt/cni/bin"
	cniBridge   = "mb-cni0"
)

// cniPlugins are the plugins the conflist uses, plus loopback, which
// containerd runs for every pod's lo.
var cniPlugins = []string{"bridge", "host-local", "loopback", "portmap"}

// conflist is the node's CNI configuration: a bridge that is the pods'
// gateway, addresses from the node's podCIDR, and hostPort support. No
// masquerading: pods reach each other with their own addresses, so a
// server sees the real client address across nodes too.
func conflist(podCIDR netip.Prefix) ([]byte, error) {
	if !podCIDR.IsValid() || !podCIDR.Addr().Is4() || podCIDR.Masked() != podCIDR {
		return nil, fmt.Errorf("pod CIDR %q: want an IPv4 network like 198.19.128.0/24", podCIDR)
	}
	type obj = map[string]any
	conf := obj{
		"cniVersion": "1.0.0",
		"name":       "meshbench",
		"plugins": []obj{
			{
				"type": "bridge", "bridge": cniBridge,
				"isGateway": true, "ipMasq": false, "hairpinMode": true,
				"ipam": obj{
					"type":   "host-local",
					"ranges": [][]obj{{{"subnet": podCIDR.String()}}},
					"routes": []obj{{"dst": "0.0.0.0/0"}},
				},
			},
			{"type": "portmap", "capabilities": obj{"portMappings": true}},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

// route is one `ip route replace <dst> via <via>` on a node.
type route struct {
	dst netip.Prefix
	via netip.Addr
}

// routesFor lists the routes node self needs: every other node's podCIDR
// via that node's address.
func routesFor(self Node, all []Node) ([]route, error) {
	var rs []route
	for _, n := range all {
		if n.Name == self.Name {
			continue
		}
		if !n.PodCIDR.IsValid() || !n.InternalIP.IsValid() {
			return nil, fmt.Errorf("node %s has no podCIDR or InternalIP yet", n.Name)
		}
		rs = append(rs, route{dst: n.PodCIDR, via: n.InternalIP})
	}
	return rs, nil
}

// wireNode writes the CNI configuration into node n (self) and adds its
// routes to the other nodes' pods.
func wireNode(ctx context.Context, n nodes.Node, self Node, all []Node) error {
	out, err := nodeRun(ctx, n, nil, "ls", cniBinDir)
	if err != nil {
		return fmt.Errorf("node %s: list CNI plugins: %w", self.Name, err)
	}
	have := lines(out)
	var missing []string
	for _, p := range cniPlugins {
		if !slices.Contains(have, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: node image lacks CNI plugins %s in %s (has: %s): rebuild it (make kind-image)",
			ErrEnvironment, strings.Join(missing, ", "), cniBinDir, strings.Join(have, " "))
	}
	conf, err := conflist(self.PodCIDR)
	if err != nil {
		return fmt.Errorf("node %s: %w", self.Name, err)
	}
	// Written aside and renamed: containerd watches the directory and must
	// never read half a file.
	tmp := cniConfPath + ".tmp"
	if _, err := nodeRun(ctx, n, bytes.NewReader(conf), "sh", "-c", `cat > "$1" && mv "$1" "$2"`, "sh", tmp, cniConfPath); err != nil {
		return fmt.Errorf("node %s: write %s: %w", self.Name, cniConfPath, err)
	}
	routes, err := routesFor(self, all)
	if err != nil {
		return err
	}
	for _, r := range routes {
		if _, err := nodeRun(ctx, n, nil, "ip", "route", "replace", r.dst.String(), "via", r.via.String()); err != nil {
			return fmt.Errorf("node %s: route %s via %s: %w", self.Name, r.dst, r.via, err)
		}
	}
	return nil
}

// nodeRun runs a command in a node container and returns its standard
// output; a failure carries its standard error.
func nodeRun(ctx context.Context, n nodes.Node, stdin io.Reader, name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := n.CommandContext(ctx, name, args...).SetStdout(&stdout).SetStderr(&stderr)
	if stdin != nil {
		cmd.SetStdin(stdin)
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: %s (%v)", name, strings.Join(args, " "), strings.TrimSpace(stderr.String()), err)
	}
	return stdout.Bytes(), nil
}
