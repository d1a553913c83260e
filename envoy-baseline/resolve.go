package baseline

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"

	"github.com/meshbench/meshbench/envoy-baseline/internal/haproxy"
)

// EnvEnvoy names the envoy binary to use (a path, or a name on PATH).
const EnvEnvoy = "MESHBENCH_ENVOY"

// ErrProxyMissing means the requested proxy is not installed; the error
// says how to install it (the CLI maps it to exit code 3).
var ErrProxyMissing = errors.New("sidecar proxy not installed")

// Resolve turns a proxy choice into the proxy that will run: "auto" (or "")
// is Envoy when an envoy binary is found (MESHBENCH_ENVOY, else envoy on
// PATH) and HAProxy otherwise. A proxy that is not installed is an error
// wrapping ErrProxyMissing.
func Resolve(proxy string) (string, error) {
	name, _, err := locate(proxy)
	return name, err
}

// locate resolves proxy and finds its binary.
func locate(proxy string) (name, bin string, err error) {
	switch proxy {
	case "", ProxyAuto:
		if bin, err := envoyBinary(); err == nil {
			return ProxyEnvoy, bin, nil
		}
		return locate(ProxyHAProxy)
	case ProxyEnvoy:
		bin, err := envoyBinary()
		return ProxyEnvoy, bin, err
	case ProxyHAProxy:
		bin, err := exec.LookPath("haproxy")
		if err != nil {
			return ProxyHAProxy, "", fmt.Errorf("%w: haproxy not found on PATH (%v): install it with `apt-get install -y haproxy`", ErrProxyMissing, err)
		}
		return ProxyHAProxy, bin, nil
	}
	return "", "", fmt.Errorf("%w: proxy: want %q, %q or %q, got %q", ErrInvalidOptions, ProxyAuto, ProxyHAProxy, ProxyEnvoy, proxy)
}

func envoyBinary() (string, error) {
	name := "envoy"
	if v := os.Getenv(EnvEnvoy); v != "" {
		name = v
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: envoy binary %q not found (%v): put envoy on PATH or set %s to its path",
			ErrProxyMissing, name, err, EnvEnvoy)
	}
	return bin, nil
}

var envoyVersionRE = regexp.MustCompile(`version: \S*?/(\d+\.\d+\.\d+\S*?)/`)

// proxyVersion asks the binary for its version.
func proxyVersion(name, bin string) (string, error) {
	if name == ProxyHAProxy {
		return haproxy.Version(bin)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", bin, err)
	}
	m := envoyVersionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s --version: no version in %q", bin, out)
	}
	return string(m[1]), nil
}
