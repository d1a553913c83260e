package baseline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOptionsNormalize(t *testing.T) {
	var o Options
	o.Normalize()
	if o.Proxy != ProxyAuto || o.Workers != DefaultWorkers || o.PortProtocols[8080] != ProtocolHTTP || o.PortProtocols[7000] != ProtocolTCP {
		t.Fatalf("Normalize() = %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	o = Options{PortProtocols: map[int]string{80: ProtocolHTTP, 9000: ProtocolHTTP, 5432: ProtocolTCP}}
	o.Normalize()
	if got := o.httpPorts(); len(got) != 2 || got[0] != 80 || got[1] != 9000 {
		t.Errorf("httpPorts = %v, want [80 9000]", got)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"proxy", Options{Proxy: "nginx"}, []string{`proxy: want "auto", "haproxy" or "envoy", got "nginx"`}},
		{"workers", Options{Workers: 65}, []string{"workers: want 1 to 64, got 65"}},
		{"excluded ports", Options{ExcludeInboundPorts: []int{0}, ExcludeOutboundPorts: []int{70000}},
			[]string{"exclude_inbound_ports: port 0", "exclude_outbound_ports: port 70000"}},
		{"protocols", Options{PortProtocols: map[int]string{8080: "grpc", -1: "tcp"}},
			[]string{`port 8080: want "http" or "tcp", got "grpc"`, "port_protocols: port -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Normalize()
			err := o.Validate()
			if !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("Validate() = %v, want ErrInvalidOptions", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

// fakeBinary writes an executable script called name into dir.
func fakeBinary(t *testing.T, dir, name, script string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolve(t *testing.T) {
	empty := t.TempDir()
	withHAProxy := t.TempDir()
	fakeBinary(t, withHAProxy, "haproxy", "echo 'HAProxy version 2.6.12-1+deb12u4 2026/10/17'")
	withBoth := t.TempDir()
	fakeBinary(t, withBoth, "haproxy", "true")
	fakeBinary(t, withBoth, "envoy", "true")
	elsewhere := fakeBinary(t, t.TempDir(), "my-envoy", "true")

	tests := []struct {
		name, path, envoyEnv, proxy string
		want                        string
		wantErr                     error
		hint                        string
	}{
		{name: "auto picks haproxy without envoy", path: withHAProxy, proxy: "auto", want: ProxyHAProxy},
		{name: "empty is auto", path: withHAProxy, proxy: "", want: ProxyHAProxy},
		{name: "auto picks envoy on PATH", path: withBoth, proxy: "auto", want: ProxyEnvoy},
		{name: "auto picks MESHBENCH_ENVOY", path: withHAProxy, envoyEnv: elsewhere, proxy: "auto", want: ProxyEnvoy},
		{name: "haproxy even with envoy", path: withBoth, proxy: "haproxy", want: ProxyHAProxy},
		{name: "nothing installed", path: empty, proxy: "auto", wantErr: ErrProxyMissing, hint: "apt-get install -y haproxy"},
		{name: "envoy missing", path: withHAProxy, proxy: "envoy", wantErr: ErrProxyMissing, hint: EnvEnvoy},
		{name: "MESHBENCH_ENVOY wrong", path: withBoth, envoyEnv: "/nonexistent/envoy", proxy: "envoy", wantErr: ErrProxyMissing, hint: "/nonexistent/envoy"},
		{name: "unknown", path: withBoth, proxy: "linkerd", wantErr: ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			t.Setenv(EnvEnvoy, tt.envoyEnv)
			got, err := Resolve(tt.proxy)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.hint) {
					t.Fatalf("Resolve(%q) = %q, %v; want %v mentioning %q", tt.proxy, got, err, tt.wantErr, tt.hint)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.proxy, got, err, tt.want)
			}
		})
	}
}

func TestProxyVersion(t *testing.T) {
	dir := t.TempDir()
	h := fakeBinary(t, dir, "haproxy", "echo 'HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/'")
	e := fakeBinary(t, dir, "envoy", "echo; echo 'envoy  version: 816188b86a0a52095b116b107f576324082c7c02/1.31.2/Clean/RELEASE/BoringSSL'")
	for _, tt := range []struct{ name, bin, want string }{
		{ProxyHAProxy, h, "2.6.12-1+deb12u4"},
		{ProxyEnvoy, e, "1.31.2"},
	} {
		got, err := proxyVersion(tt.name, tt.bin)
		if err != nil || got != tt.want {
			t.Errorf("proxyVersion(%s) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
