package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"
)

func TestIssueNamesTheWorkloadAndChainsToTheCA(t *testing.T) {
	now := time.Now()
	ca, err := NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("mb-t1-n0-p1", now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(leaf.Cert.URIs), 1; got != want {
		t.Fatalf("%d URI SANs, want %d", got, want)
	}
	if got, want := leaf.Cert.URIs[0].String(), "spiffe://meshbench.local/ns/default/sa/mb-t1-n0-p1"; got != want {
		t.Errorf("URI SAN = %s, want %s", got, want)
	}
	if err := leaf.Cert.VerifyHostname("mb-t1-n0-p1"); err != nil {
		t.Errorf("DNS SAN: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("verify for usage %v: %v", usage, err)
		}
	}
	other, err := NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	foreign := x509.NewCertPool()
	foreign.AddCert(other.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: foreign}); err == nil {
		t.Error("leaf verifies against another run's CA")
	}
}

// TestMutualTLSHandshake proves the PEM files work as a TLS key pair and
// trust bundle on both ends, client certificate required.
func TestMutualTLSHandshake(t *testing.T) {
	now := time.Now()
	ca, err := NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	pair := func(name string) tls.Certificate {
		l, err := ca.Issue(name, now)
		if err != nil {
			t.Fatal(err)
		}
		key, err := l.KeyPEM()
		if err != nil {
			t.Fatal(err)
		}
		c, err := tls.X509KeyPair(l.CertPEM(), key)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.CertPEM()) {
		t.Fatal("CA PEM does not parse")
	}
	if b, _ := pem.Decode(ca.CertPEM()); b == nil || b.Type != "CERTIFICATE" {
		t.Fatal("CA PEM is not a CERTIFICATE block")
	}
	// A real socket pair: TLS 1.3 servers write session tickets after the
	// handshake, which an unbuffered net.Pipe would block on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cConn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sConn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	srv := tls.Server(sConn, &tls.Config{Certificates: []tls.Certificate{pair("server")}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	cli := tls.Client(cConn, &tls.Config{Certificates: []tls.Certificate{pair("client")}, RootCAs: pool, ServerName: "server"})
	errc := make(chan error, 1)
	go func() { errc <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	peer := srv.ConnectionState().PeerCertificates[0]
	if got := peer.URIs[0].String(); got != SPIFFEID("client").String() {
		t.Errorf("server saw client identity %s", got)
	}
	cli.Close()
	srv.Close()
}
