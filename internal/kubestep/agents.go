package kubestep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/kubemesh"
	"github.com/meshbench/meshbench/internal/substrate/kind"
)

// WaitAgents waits until the datapath agent of DaemonSet ds is ready on
// every node in nodes (at most agentTimeout) and returns the agents' pod
// names by node.
func WaitAgents(ctx context.Context, c *kind.Cluster, ds string, nodes []string) (map[string]string, error) {
	want := map[string]bool{}
	for _, n := range nodes {
		want[n] = true
	}
	deadline := time.Now().Add(agentTimeout)
	for {
		pods, err := c.Client().CoreV1().Pods(kind.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "meshbench.io/daemonset=" + ds})
		if err != nil {
			return nil, fmt.Errorf("list datapath agents: %w", err)
		}
		agents := map[string]string{}
		var waiting []string
		for _, p := range pods.Items {
			if want[p.Spec.NodeName] && ready(&p) && p.DeletionTimestamp == nil {
				agents[p.Spec.NodeName] = p.Name
			} else if want[p.Spec.NodeName] {
				waiting = append(waiting, p.Name+" "+phase(&p))
			}
		}
		if len(agents) == len(want) {
			return agents, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("datapath agents not ready after %s on %d of %d nodes: %s", agentTimeout, len(want)-len(agents), len(want), strings.Join(waiting, "; "))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// AgentStatus reads the datapath status of node's agent, pod, with
// `meshbench datapath status --json` exec'd in it.
func AgentStatus(ctx context.Context, c *kind.Cluster, pod, node string) (*datapath.Status, error) {
	var out, errb bytes.Buffer
	cmd := []string{"meshbench", "datapath", "status", "--instance", kubemesh.AgentInstance(c.Name(), node), "--json"}
	if err := c.Exec(ctx, pod, kubemesh.AgentContainer, cmd, nil, &out, &errb); err != nil {
		return nil, fmt.Errorf("read datapath status on %s: %w: %s", node, err, errb.String())
	}
	var st datapath.Status
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		return nil, fmt.Errorf("datapath status on %s: %w", node, err)
	}
	return &st, nil
}
