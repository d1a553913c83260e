package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/meshbench/meshbench/datapath"
)

// newDatapathPolicyCommand is `meshbench datapath policy FILE`: replace the
// running datapath's policy. New connections see it at once, open
// same-node connections on their next send.
func newDatapathPolicyCommand() *cobra.Command {
	var cluster, instance string
	cmd := &cobra.Command{
		Use:   "policy FILE",
		Short: "Replace the running datapath's policy with a policy file (YAML; - reads stdin)",
		Long: `Replace the running datapath's policy. The file (YAML):

  default: deny          # allow (the default) or deny: what no rule matches gets
  rules:
    - from: mb-n0-p0     # source pod; left out: any pod in the mesh
      to: mb-n0-p1       # destination pod, required
      port: 8080         # destination port; left out: any port
      action: allow      # allow | deny | bypass (allowed, never short-circuited)

The most specific rule wins: source and port, then source, then port, then
destination alone. A denied connect(2) fails with ECONNREFUSED; an open
same-node connection gets EACCES on its next send. An empty file's policy
(no rules, default allow) removes every rule.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := readPolicyFile(cmd.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			d, instance, err := openDatapathInstance(cmd, instance)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := d.SetPolicy(p); err != nil {
				return datapathErr(fmt.Errorf("%s: %w", args[0], err))
			}
			def := "allow"
			if p.DefaultDeny {
				def = "deny"
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "datapath %s: policy %s applied, %d rules, default %s\n", instance, args[0], len(p.Rules), def)
			return err
		},
	}
	addClusterFlag(cmd, &cluster)
	cmd.Flags().StringVar(&instance, "instance", "", "the datapath instance (pins under /sys/fs/bpf/meshbench/<instance>), instead of --cluster")
	return cmd
}

// readPolicyFile reads and parses a policy file, "-" meaning stdin; every
// problem is bad input (exit 2) naming the file.
func readPolicyFile(stdin io.Reader, path string) (datapath.Policy, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return datapath.Policy{}, badInputf("policy file %s: no such file", path)
		}
		return datapath.Policy{}, badInputf("policy file %s: %v", path, err)
	}
	p, err := datapath.ParsePolicy(path, data)
	if err != nil {
		return datapath.Policy{}, badInput(err)
	}
	return p, nil
}
