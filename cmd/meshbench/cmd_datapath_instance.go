package main

import (
	"encoding/json"

	"github.com/meshbench/meshbench/datapath"
	"github.com/meshbench/meshbench/internal/mesh"
	"github.com/spf13/cobra"
)

// withInstance adds --instance and --json to `datapath status`: a
// Kubernetes node's agent pins its datapath under an instance named after
// the cluster and the node (kubemesh.AgentInstance), which no local
// cluster state file knows, and the harness reads its counters as JSON
// with `meshbench datapath status --instance NAME --json` in the agent's
// pod. Without either flag the command is unchanged.
func withInstance(cmd *cobra.Command) *cobra.Command {
	var instance string
	var asJSON bool
	cmd.Flags().StringVar(&instance, "instance", "", "the datapath instance (pins under /sys/fs/bpf/meshbench/<instance>), instead of --cluster")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	local := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if instance == "" && !asJSON {
			return local(c, args)
		}
		fl := c.Flags()
		if serve, _ := fl.GetString("serve"); serve != "" && asJSON {
			return badInputf("--json and --serve: give one of them")
		}
		d, _, err := openDatapathInstance(c, instance)
		if err != nil {
			return err
		}
		defer d.Close()
		if serve, _ := fl.GetString("serve"); serve != "" {
			return serveMetrics(c.Context(), c, d, serve)
		}
		st, err := d.Status()
		if err != nil {
			return err
		}
		if !asJSON {
			return printStatus(c, st)
		}
		enc := json.NewEncoder(c.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return cmd
}

// openDatapathInstance opens the pinned datapath a command acts on (see
// datapathInstance) and returns it with its instance name.
func openDatapathInstance(c *cobra.Command, instance string) (*datapath.Datapath, string, error) {
	instance, err := datapathInstance(c, instance)
	if err != nil {
		return nil, "", err
	}
	d, err := datapath.Open(instance)
	if err != nil {
		return nil, "", datapathErr(err)
	}
	return d, instance, nil
}

// datapathInstance is the instance a datapath command acts on: --instance
// when given, else the local cluster's from --cluster (the two exclude
// each other).
func datapathInstance(c *cobra.Command, instance string) (string, error) {
	if instance != "" && c.Flags().Changed("cluster") {
		return "", badInputf("--instance and --cluster: give one of them")
	}
	if instance != "" {
		return instance, nil
	}
	cluster, _ := c.Flags().GetString("cluster")
	return mesh.DatapathInstance(clusterKey(cluster)), nil
}
