package kind

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// networkLabel marks the Docker network as meshbench's.
const networkLabel = "io.meshbench.network=kind"

// ensureNetwork creates the mb-kind Docker network when it is missing and
// checks its subnets when it exists. kind then joins it (see create.go):
// kind's own ensureNetwork keeps an existing network as it is.
func ensureNetwork(ctx context.Context) error {
	subnets, found, err := networkSubnets(ctx)
	if err != nil {
		return err
	}
	if !found {
		_, err = docker(ctx, nil, "network", "create", "--driver", "bridge",
			"--ipv6",
			"--subnet", networkV4.String(), "--gateway", networkV4.Addr().Next().String(),
			"--subnet", networkV6.String(), "--gateway", networkV6.Addr().Next().String(),
			"--opt", "com.docker.network.bridge.enable_ip_masquerade=true",
			"--opt", "com.docker.network.bridge.name="+Network,
			"--label", networkLabel,
			Network)
		if err == nil {
			return nil
		}
		// Another process may have created it meanwhile: check what exists.
		var again bool
		if subnets, again, _ = networkSubnets(ctx); !again {
			return fmt.Errorf("create docker network %s: %w", Network, err)
		}
	}
	if !slices.Contains(subnets, networkV4.String()) || !slices.Contains(subnets, networkV6.String()) {
		return fmt.Errorf("%w: docker network %s exists with subnets [%s], want %s and %s: remove it (docker network rm %s) and retry",
			ErrEnvironment, Network, strings.Join(subnets, " "), networkV4, networkV6, Network)
	}
	return nil
}

// networkSubnets returns the subnets of the mb-kind network, and false when
// there is no such network.
func networkSubnets(ctx context.Context) ([]string, bool, error) {
	out, err := docker(ctx, nil, "network", "inspect", "--format", "{{json .IPAM.Config}}", Network)
	if notFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("inspect docker network %s: %w", Network, err)
	}
	var cfg []struct{ Subnet string }
	if err := json.Unmarshal(out, &cfg); err != nil {
		return nil, false, fmt.Errorf("inspect docker network %s: %w", Network, err)
	}
	var subnets []string
	for _, c := range cfg {
		subnets = append(subnets, c.Subnet)
	}
	return subnets, true, nil
}

// removeNetwork removes the mb-kind network if it exists. Docker refuses
// while a container is attached; the error then names the containers.
func removeNetwork(ctx context.Context) error {
	_, found, err := networkSubnets(ctx)
	if err != nil || !found {
		return err
	}
	if _, err := docker(ctx, nil, "network", "rm", Network); err != nil && !notFound(err) {
		out, _ := docker(ctx, nil, "network", "inspect", "--format", "{{range .Containers}}{{.Name}} {{end}}", Network)
		return fmt.Errorf("remove docker network %s (attached: %s): %w", Network, strings.TrimSpace(string(out)), err)
	}
	return nil
}
