package local

import (
	"testing"
)

func TestNames(t *testing.T) {
	tests := []struct {
		cluster           string
		i, j              int
		key, prefix       string
		wantNode, wantPod string
	}{
		{"", 0, 0, "default", "mb-", "mb-n0", "mb-n0-p0"},
		{"", 15, 99, "default", "mb-", "mb-n15", "mb-n15-p99"},
		{"t1", 1, 2, "t1", "mb-t1-", "mb-t1-n1", "mb-t1-n1-p2"},
		{"x-n1", 0, 3, "x-n1", "mb-x-n1-", "mb-x-n1-n0", "mb-x-n1-n0-p3"},
	}
	for _, tt := range tests {
		if got := key(tt.cluster); got != tt.key {
			t.Errorf("key(%q) = %q, want %q", tt.cluster, got, tt.key)
		}
		if got := prefix(tt.cluster); got != tt.prefix {
			t.Errorf("prefix(%q) = %q, want %q", tt.cluster, got, tt.prefix)
		}
		if got := nodeName(tt.cluster, tt.i); got != tt.wantNode {
			t.Errorf("nodeName(%q, %d) = %q, want %q", tt.cluster, tt.i, got, tt.wantNode)
		}
		if got := podName(tt.cluster, tt.i, tt.j); got != tt.wantPod {
			t.Errorf("podName(%q, %d, %d) = %q, want %q", tt.cluster, tt.i, tt.j, got, tt.wantPod)
		}
		// Every name parses back to its cluster.
		for _, n := range []string{tt.wantNode, tt.wantPod} {
			if c, ok := clusterOf(n); !ok || c != tt.cluster {
				t.Errorf("clusterOf(%q) = %q, %v; want %q", n, c, ok, tt.cluster)
			}
		}
	}
	if podPortName(7) != "mb-p7" || wireName(3) != "mb-w3" {
		t.Errorf("interface names: %s %s", podPortName(7), wireName(3))
	}
}

func TestClusterOf(t *testing.T) {
	tests := []struct {
		name, cluster string
		ok            bool
	}{
		{"mb-n0", "", true},
		{"mb-n0-p0", "", true},
		{"mb-n10-p99", "", true},
		{"mb-a-n1", "a", true},
		{"mb-a-b-n1-p0", "a-b", true},
		{"mb-n0-n1", "n0", true},     // cluster "n0", node 1
		{"mb-n0-n1-p2", "n0", true},  // its pod
		{"mb-x-n1-n0", "x-n1", true}, // not node "n1" of cluster "x"
		{"mb-x-n1-p0", "x", true},
		{"mb-", "", false},
		{"mb-n", "", false},
		{"mb-n01", "", false},
		{"mb-n0-p", "", false},
		{"mb-n0-q0", "", false},
		{"mb-foo", "", false},
		{"mb-meshbench", "", false},
		{"n0", "", false},
		{"xmb-n0", "", false},
		{"mb-A-n0", "", false},
	}
	for _, tt := range tests {
		c, ok := clusterOf(tt.name)
		if c != tt.cluster || ok != tt.ok {
			t.Errorf("clusterOf(%q) = %q, %v; want %q, %v", tt.name, c, ok, tt.cluster, tt.ok)
		}
	}
}
