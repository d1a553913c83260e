package intercept

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestStopKeepsCapturedConnections: after Stop a new connection is no
// longer captured, and one captured before still sees its proxy close it
// (the FIN is translated back), where deleting the rules strands it.
func TestStopKeepsCapturedConnections(t *testing.T) {
	testenv.RequirePrivileged(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := local.Up(ctx, local.Config{Name: fmt.Sprintf("t%08x", rand.Uint32()), Nodes: 1, PodsPerNode: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Error(err)
		}
	})
	pod := c.Pods()[0]
	cp, err := Install(pod.Netns, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Remove()
	// The "proxy" is this test, listening where outbound traffic goes; the
	// destination (the pod's gateway, port 9) never answers itself.
	var proxy *net.TCPListener
	var app net.Conn
	err = netnsutil.Do(pod.Netns, func() error {
		ln, err := net.Listen("tcp4", fmt.Sprintf(":%d", DefaultOutboundPort))
		if err != nil {
			return err
		}
		proxy = ln.(*net.TCPListener)
		app, err = net.DialTimeout("tcp4", "198.18.0.1:9", 2*time.Second)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	defer app.Close()
	captured, err := proxy.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.Stop(); err != nil {
		t.Fatal(err)
	}
	if ok, err := Exists(pod.Netns); err != nil || !ok {
		t.Fatalf("after Stop: Exists = %v, %v; the tables stay until Remove", ok, err)
	}
	err = netnsutil.Do(pod.Netns, func() error {
		c, err := net.DialTimeout("tcp4", "198.18.0.1:9", 2*time.Second)
		if err == nil {
			c.Close()
		}
		return nil // refused or not: only the proxy must not see it
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := proxy.SetDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if c, err := proxy.Accept(); err == nil {
		c.Close()
		t.Error("a connection made after Stop was captured")
	}
	if err := captured.Close(); err != nil {
		t.Fatal(err)
	}
	if err := app.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, rerr := app.Read(make([]byte, 1))
	switch {
	case errors.Is(rerr, os.ErrDeadlineExceeded):
		t.Error("the proxy's FIN never reached the captured connection: its NAT translation went with the rules")
	case !errors.Is(rerr, io.EOF):
		t.Errorf("captured connection after Stop and the proxy's close: read %v, want EOF", rerr)
	}
	if err := cp.Remove(); err != nil {
		t.Fatal(err)
	}
}
