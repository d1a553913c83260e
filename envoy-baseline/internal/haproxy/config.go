package haproxy

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// Config is what a sidecar's haproxy.cfg says.
type Config struct {
	Workers      int    // nbthread
	StatsSocket  string // unix socket path for `show stat`
	OutboundPort int
	InboundPort  int
	// HTTPPorts are the destination ports spoken as HTTP/1.1; every other
	// port is proxied as raw TCP.
	HTTPPorts []int
	// TransparentIPv6 binds the IPv6 listeners with IP_TRANSPARENT, for
	// TPROXY capture (HAProxy reads SO_ORIGINAL_DST for IPv4 only).
	TransparentIPv6 bool
	TLS             *TLS // nil: plaintext everywhere
}

// TLS is the mutual TLS part of a Config. All paths are absolute.
type TLS struct {
	CertFile string // this pod's certificate followed by its key, PEM
	CAFile   string // the run's CA certificate, PEM
	// PeersMap maps each meshed peer's IP address to its pod name: outbound
	// connections to these originate TLS and verify that name.
	PeersMap string
	// LoopSocket is the unix socket between TLS detection and termination
	// on the inbound side.
	LoopSocket string
}

// Backend and frontend names, which the counters are read by.
const (
	feOutbound     = "outbound"
	feInbound      = "inbound"
	feInboundMTLS  = "inbound_mtls"
	beOutHTTP      = "out_http"
	beOutTCP       = "out_tcp"
	beOutHTTPMTLS  = "out_http_mtls"
	beOutTCPMTLS   = "out_tcp_mtls"
	beInHTTP       = "in_http"
	beInTCP        = "in_tcp"
	beInTerminate  = "in_tls_terminate"
	inspectTimeout = "5s"
)

//go:embed haproxy.cfg.tmpl
var cfgText string

var cfgTmpl = template.Must(template.New("haproxy.cfg").Funcs(template.FuncMap{
	"ports": func(ps []int) string {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = strconv.Itoa(p)
		}
		return strings.Join(s, " ")
	},
}).Parse(cfgText))

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Workers < 1 || c.Workers > 64:
		return fmt.Errorf("workers: want 1 to 64, got %d", c.Workers)
	case c.StatsSocket == "":
		return errors.New("stats socket: required")
	case !validPort(c.OutboundPort) || !validPort(c.InboundPort) || c.OutboundPort == c.InboundPort:
		return fmt.Errorf("listener ports %d and %d: want two different ports 1-65535", c.OutboundPort, c.InboundPort)
	}
	for _, p := range c.HTTPPorts {
		if !validPort(p) {
			return fmt.Errorf("http port %d: want 1-65535", p)
		}
	}
	if t := c.TLS; t != nil && (t.CertFile == "" || t.CAFile == "" || t.PeersMap == "" || t.LoopSocket == "") {
		return errors.New("tls: certificate, CA, peers map and loop socket are all required")
	}
	return nil
}

func validPort(p int) bool { return p > 0 && p < 65536 }

// Render returns the haproxy.cfg text.
func (c Config) Render() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("haproxy config: %w", err)
	}
	c.HTTPPorts = slices.Sorted(slices.Values(c.HTTPPorts))
	c.HTTPPorts = slices.Compact(c.HTTPPorts)
	var b bytes.Buffer
	data := struct {
		Config
		FeOutbound, FeInbound, FeInboundMTLS                                 string
		OutHTTP, OutTCP, OutHTTPMTLS, OutTCPMTLS, InHTTP, InTCP, InTerminate string
		InspectTimeout                                                       string
	}{c, feOutbound, feInbound, feInboundMTLS, beOutHTTP, beOutTCP, beOutHTTPMTLS, beOutTCPMTLS, beInHTTP, beInTCP, beInTerminate, inspectTimeout}
	if err := cfgTmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render haproxy config: %w", err)
	}
	return b.Bytes(), nil
}
