package local

import (
	"fmt"
	"regexp"
)

// defaultKey names the default cluster in state files and cgroup paths.
const defaultKey = "default"

// Interface names inside our namespaces.
const (
	bridgeName = "mb-br0" // the node's bridge
	podIfName  = "eth0"   // the pod's end of its veth pair
)

// key is the cluster's name in file and cgroup paths: "default" or the name.
func key(name string) string {
	if name == "" {
		return defaultKey
	}
	return name
}

// prefix starts every netns name of the cluster: "mb-" or "mb-<name>-".
func prefix(name string) string {
	if name == "" {
		return "mb-"
	}
	return "mb-" + name + "-"
}

// nodeName is node i's name, which is also its netns name: "mb-n0".
func nodeName(cluster string, i int) string { return fmt.Sprintf("%sn%d", prefix(cluster), i) }

// podName is pod j on node i, also its netns name: "mb-n0-p1".
func podName(cluster string, i, j int) string { return fmt.Sprintf("%sn%d-p%d", prefix(cluster), i, j) }

// podPortName is the node-side end of pod j's veth, on the node bridge.
func podPortName(j int) string { return fmt.Sprintf("mb-p%d", j) }

// wireName is the name, inside one node, of the wire leading to node peer.
func wireName(peer int) string { return fmt.Sprintf("mb-w%d", peer) }

// netnsNameRE parses node and pod netns names. The suffix after the cluster
// name has a fixed form, so the parse is unambiguous even for names like
// "x-n1".
var netnsNameRE = regexp.MustCompile(`^mb-(?:([a-z0-9][a-z0-9-]*)-)?n(0|[1-9][0-9]*)(?:-p(0|[1-9][0-9]*))?$`)

// clusterOf returns the cluster a netns name belongs to ("" for the default
// cluster) and false when name is not a node or pod name.
func clusterOf(netnsName string) (string, bool) {
	m := netnsNameRE.FindStringSubmatch(netnsName)
	if m == nil {
		return "", false
	}
	return m[1], true
}
