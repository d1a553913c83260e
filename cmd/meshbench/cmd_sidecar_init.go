package main

import (
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/meshbench/meshbench/envoy-baseline/intercept"
	"github.com/meshbench/meshbench/internal/privilege"
	"github.com/spf13/cobra"
)

// sidecarInitFlags are `meshbench sidecar-init`'s flags.
type sidecarInitFlags struct {
	proxyUID             uint32
	inboundPort          uint16
	outboundPort         uint16
	excludeInboundPorts  []uint
	excludeOutboundPorts []uint
}

// newSidecarInitCommand is the sidecar's init container: what istio-init
// does, in the network namespace it runs in.
func newSidecarInitCommand() *cobra.Command {
	var f sidecarInitFlags
	cmd := &cobra.Command{
		Use:    "sidecar-init",
		Short:  "Capture this network namespace's TCP traffic for a sidecar proxy (a pod's init container)",
		Hidden: true,
		Long: `sidecar-init installs the istio-init-style capture in the network namespace
it runs in: outbound TCP to --outbound-port, inbound TCP to --inbound-port, the
proxy's UID, loopback and the excluded ports left alone. A capture already
there is replaced, so running it again changes nothing. It needs
CAP_NET_ADMIN (and root for netlink), nothing more: no setns(2).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return badInput(err)
			}
			if ok, err := privilege.HasEffective(privilege.CapNetAdmin); err != nil || !ok {
				return environment(fmt.Errorf("sidecar-init needs CAP_NET_ADMIN to install nftables rules (securityContext.capabilities.add: [NET_ADMIN, NET_RAW], runAsUser: 0)%s", errSuffix(err)))
			}
			c, err := intercept.Replace("", cfg)
			if errors.Is(err, syscall.EPERM) {
				return environment(fmt.Errorf("sidecar-init: %w (it needs root with CAP_NET_ADMIN)", err))
			}
			if err != nil {
				return err
			}
			return printCapture(cmd.OutOrStdout(), c)
		},
	}
	fl := cmd.Flags()
	fl.Uint32Var(&f.proxyUID, "proxy-uid", intercept.DefaultProxyUID, "UID of the proxy, whose connections are never captured")
	fl.Uint16Var(&f.inboundPort, "inbound-port", intercept.DefaultInboundPort, "port inbound connections are redirected to")
	fl.Uint16Var(&f.outboundPort, "outbound-port", intercept.DefaultOutboundPort, "port outbound connections are redirected to")
	fl.UintSliceVar(&f.excludeInboundPorts, "exclude-inbound-ports", nil, "comma-separated destination ports of inbound connections that bypass the proxy")
	fl.UintSliceVar(&f.excludeOutboundPorts, "exclude-outbound-ports", nil, "comma-separated destination ports of outbound connections that bypass the proxy")
	return cmd
}

// config turns the flags into a capture configuration, naming the flag
// that is wrong.
func (f sidecarInitFlags) config() (intercept.Config, error) {
	cfg := intercept.Config{ProxyUID: f.proxyUID, InboundPort: f.inboundPort, OutboundPort: f.outboundPort}
	switch {
	case f.proxyUID == 0:
		return cfg, errors.New("--proxy-uid 0: want the proxy's own non-root UID (0 would exempt every root process)")
	case f.inboundPort == 0:
		return cfg, errors.New("--inbound-port 0: want 1-65535")
	case f.outboundPort == 0:
		return cfg, errors.New("--outbound-port 0: want 1-65535")
	case f.inboundPort == f.outboundPort:
		return cfg, fmt.Errorf("--inbound-port and --outbound-port are both %d: want two ports", f.inboundPort)
	}
	var err error
	if cfg.ExcludeInboundPorts, err = ports("--exclude-inbound-ports", f.excludeInboundPorts); err != nil {
		return cfg, err
	}
	if cfg.ExcludeOutboundPorts, err = ports("--exclude-outbound-ports", f.excludeOutboundPorts); err != nil {
		return cfg, err
	}
	cfg.Normalize()
	return cfg, cfg.Validate()
}

func ports(flag string, ps []uint) ([]uint16, error) {
	out := make([]uint16, len(ps))
	for i, p := range ps {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("%s: port %d: want 1-65535", flag, p)
		}
		out[i] = uint16(p)
	}
	return out, nil
}

// printCapture prints the installed tables in nft's syntax, as istio-init
// logs its iptables rules.
func printCapture(w io.Writer, c *intercept.Capture) error {
	for _, t := range c.Tables() {
		if _, err := fmt.Fprint(w, t); err != nil {
			return err
		}
	}
	return nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}
