package baseline

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/local"
)

// requests per HTTP check: each must show up in both sidecars' counters.
const requests = 50

// TestHAProxySidecars meshes three of four pods on two nodes with HAProxy
// sidecars, without and then with mutual TLS, and checks that traffic of
// every kind passes through the sidecars it should, and only those:
//
//	n0-p0 meshed client A     n1-p0 meshed server S
//	n0-p1 plain pod P         n1-p1 meshed client B
//
// B->S is same-node, A->S cross-node, P->S a client without a sidecar, A->P
// a server without one; each over IPv4 and IPv6, HTTP and TCP echo.
func TestHAProxySidecars(t *testing.T) {
	requireProxy(t, ProxyHAProxy)
	meshSuite(t, ProxyHAProxy)
}

// TestEnvoySidecars is the same with Envoy. It is the one privileged test
// allowed to skip in CI: Envoy is not packaged for Debian, so CI hosts
// (and this one) may lack the binary; the Envoy configuration is still
// checked there by envoyconfig's golden and validation tests.
func TestEnvoySidecars(t *testing.T) {
	if _, err := Resolve(ProxyEnvoy); err != nil {
		t.Skipf("skipping: no envoy binary, so the real Envoy path cannot run here (%v)", err)
	}
	meshSuite(t, ProxyEnvoy)
}

func requireProxy(t *testing.T, proxy string) {
	t.Helper()
	if _, err := Resolve(proxy); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true, so this fails instead of skipping)", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

func meshSuite(t *testing.T, proxy string) {
	c := newCluster(t, 2, 2)
	pods := c.Pods()
	a, p, s, b := pods[0], pods[1], pods[2], pods[3]
	serve(t, s)
	serve(t, p)
	meshed := []local.Pod{a, s, b}
	for _, mtls := range []bool{false, true} {
		t.Run(fmt.Sprintf("mtls=%v", mtls), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sc, err := Install(ctx, c, meshed, Options{Proxy: proxy, MTLS: mtls})
			if err != nil {
				t.Fatal(err)
			}
			removed := false
			t.Cleanup(func() {
				if !removed {
					if err := sc.Remove(); err != nil {
						t.Error(err)
					}
				}
			})
			info := sc.Info()
			t.Logf("sidecars: %+v", info)
			if info.Proxy != proxy || info.Version == "" || info.Workers != DefaultWorkers || info.MTLS != mtls {
				t.Errorf("Info() = %+v", info)
			}
			checkProxyProcesses(t, sc)
			for _, v6 := range []bool{false, true} {
				for _, f := range []flow{
					{"same node", b, s, true, true},
					{"cross node", a, s, true, true},
					{"plain client", p, s, false, true},
					{"plain server", a, p, true, false},
				} {
					t.Run(fmt.Sprintf("%s/v6=%v", f.name, v6), func(t *testing.T) {
						f.checkHTTP(t, sc, v6, mtls)
						f.checkTCP(t, sc, v6, mtls)
					})
				}
			}
			dir := sc.dir.path
			removed = true
			if err := sc.Remove(); err != nil {
				t.Fatal(err)
			}
			if err := sc.Remove(); err != nil {
				t.Fatalf("second Remove: %v", err)
			}
			assertTornDown(t, sc, meshed, proxy, dir)
		})
	}
}

// flow is traffic from one pod to another, either of which may be meshed.
type flow struct {
	name                 string
	from, to             local.Pod
	fromMeshed, toMeshed bool
}

func (f flow) checkHTTP(t *testing.T, sc *Sidecars, v6, mtls bool) {
	before := read(t, sc)
	getHTTP(t, f.from, hostPort(f.to, v6, httpPort), requests)
	eventually(t, "http counters", func() error {
		d := read(t, sc).Sub(before)
		return f.expect(d, mtls, func(dir Direction) uint64 { return dir.HTTPRequests }, requests)
	})
}

func (f flow) checkTCP(t *testing.T, sc *Sidecars, v6, mtls bool) {
	before := read(t, sc)
	payload := echoTCP(t, f.from, hostPort(f.to, v6, tcpPort))
	eventually(t, "tcp counters", func() error {
		d := read(t, sc).Sub(before)
		if err := f.expect(d, mtls, func(dir Direction) uint64 { return dir.TCPConnections }, 1); err != nil {
			return err
		}
		// The client's sidecar receives exactly what the client sent:
		// every payload plus its 4-byte frame header.
		want := uint64(payload + len(echoSizes)*4)
		if f.fromMeshed {
			if got := d[f.from.Name].Outbound; got.BytesIn != want || got.BytesOut != want {
				return fmt.Errorf("client sidecar outbound bytes in/out = %d/%d, want %d/%d", got.BytesIn, got.BytesOut, want, want)
			}
		}
		if f.toMeshed {
			if got := d[f.to.Name].Inbound; got.BytesIn < want || got.BytesOut < want {
				return fmt.Errorf("server sidecar inbound bytes in/out = %d/%d, want at least %d", got.BytesIn, got.BytesOut, want)
			}
		}
		return nil
	})
}

// expect checks the counter that count picks: n on the client's outbound
// and the server's inbound side where they are meshed, 0 everywhere else;
// and TLS connections exactly where both ends are meshed and mtls is on.
func (f flow) expect(d Counters, mtls bool, count func(Direction) uint64, n uint64) error {
	for pod, pc := range d {
		wantOut, wantIn := uint64(0), uint64(0)
		if f.fromMeshed && pod == f.from.Name {
			wantOut = n
		}
		if f.toMeshed && pod == f.to.Name {
			wantIn = n
		}
		if got := count(pc.Outbound); got != wantOut {
			return fmt.Errorf("pod %s outbound: %d, want %d (all: %+v)", pod, got, wantOut, d)
		}
		if got := count(pc.Inbound); got != wantIn {
			return fmt.Errorf("pod %s inbound: %d, want %d (all: %+v)", pod, got, wantIn, d)
		}
		tls := mtls && f.fromMeshed && f.toMeshed
		if got := pc.Outbound.TLSConnections; (got > 0) != (tls && pod == f.from.Name) {
			return fmt.Errorf("pod %s: %d outbound TLS connections, want some: %v", pod, got, tls && pod == f.from.Name)
		}
		if got := pc.Inbound.TLSConnections; (got > 0) != (tls && pod == f.to.Name) {
			return fmt.Errorf("pod %s: %d inbound TLS connections, want some: %v", pod, got, tls && pod == f.to.Name)
		}
	}
	return nil
}

func read(t *testing.T, sc *Sidecars) Counters {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := sc.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
