package kind

import "fmt"

// KubernetesVersion returns the API server's version (v1.33.4).
func (c *Cluster) KubernetesVersion() (string, error) {
	v, err := c.client.Discovery().ServerVersion()
	if err != nil {
		return "", fmt.Errorf("kubernetes version of %s: %w", c.kubeconfig, err)
	}
	return v.GitVersion, nil
}
