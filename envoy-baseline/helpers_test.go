package baseline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshbench/meshbench/bench/workload"
	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/substrate/local"
	"github.com/meshbench/meshbench/internal/testenv"
	"golang.org/x/sys/unix"
)

// Workload ports, as DefaultPortProtocols knows them.
const (
	httpPort = 8080
	tcpPort  = 7000
)

// newCluster brings up a uniquely named cluster that the test takes down.
func newCluster(t *testing.T, nodes, podsPerNode int) *local.Cluster {
	t.Helper()
	testenv.RequirePrivileged(t)
	name := fmt.Sprintf("t%08x", rand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := local.Up(ctx, local.Config{Name: name, Nodes: nodes, PodsPerNode: podsPerNode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Down(); err != nil {
			t.Errorf("down cluster: %v", err)
		}
	})
	return c
}

// serve runs the workload server in pod (sockets created in its netns)
// until the test ends.
func serve(t *testing.T, pod local.Pod) *workload.Server {
	t.Helper()
	var srv *workload.Server
	err := netnsutil.Do(pod.Netns, func() error {
		var err error
		srv, err = workload.Listen(workload.Config{TCPAddr: fmt.Sprintf("[::]:%d", tcpPort), HTTPAddr: fmt.Sprintf("[::]:%d", httpPort)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("workload in %s: %v", pod.Name, err)
		}
	})
	return srv
}

// hostPort formats addr:port, bracketing IPv6.
func hostPort(pod local.Pod, v6 bool, port int) string {
	a := pod.IPv4
	if v6 {
		a = pod.IPv6
	}
	return net.JoinHostPort(a.String(), strconv.Itoa(port))
}

// getHTTP sends n keep-alive GETs from pod to addr and checks every answer.
func getHTTP(t *testing.T, from local.Pod, addr string, n int) {
	t.Helper()
	tr := &http.Transport{DialContext: netnsutil.DialContext(from.Netns), MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for i := range n {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("GET %d from %s to %s: %v", i, from.Name, addr, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(body) != workload.DefaultHTTPBodyBytes {
			t.Fatalf("GET %d from %s to %s: status %s, %d body bytes, %v", i, from.Name, addr, resp.Status, len(body), err)
		}
	}
}

// echoSizes are the frame payloads the TCP test sends: small, odd, around
// the proxies' 16 KiB buffers, and 1 MiB.
var echoSizes = []int{0, 1, 7, 1500, 16383, 16384, 16385, 65536 + 3, 1 << 20}

// echoTCP sends frames of echoSizes over one connection from pod to addr
// and checks that the bytes that come back are the bytes sent, by SHA-256
// over the whole stream. It returns the payload bytes sent.
func echoTCP(t *testing.T, from local.Pod, addr string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := netnsutil.DialContext(from.Netns)(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, from.Name, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	sent, got := sha256.New(), sha256.New()
	rng := rand.New(rand.NewPCG(1, uint64(len(addr))))
	var frame []byte
	total := 0
	for _, size := range echoSizes {
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		if err := workload.WriteFrame(c, payload); err != nil {
			t.Fatalf("echo %d bytes via %s: %v", size, addr, err)
		}
		frame, err = workload.ReadFrame(c, frame)
		if err != nil {
			t.Fatalf("echo %d bytes via %s: %v", size, addr, err)
		}
		sent.Write(payload)
		got.Write(frame[workload.FrameHeaderLen:])
		total += size
	}
	if !bytes.Equal(sent.Sum(nil), got.Sum(nil)) {
		t.Fatalf("echo via %s: the %d bytes that came back differ from those sent", addr, total)
	}
	return total
}

// eventually retries check until it returns nil or 5 s pass: proxies
// update some counters only once they have seen a connection close.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxiesInNetns lists processes called comm whose network namespace is
// one of the pods'.
func proxiesInNetns(t *testing.T, comm string, pods []local.Pod) []string {
	t.Helper()
	ns := make(map[uint64]string)
	for _, p := range pods {
		var st unix.Stat_t
		if err := unix.Stat(p.Netns, &st); err == nil {
			ns[st.Ino] = p.Name
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join("/proc", e.Name(), "ns", "net"), &st); err != nil {
			continue
		}
		if pod, ok := ns[st.Ino]; ok {
			found = append(found, fmt.Sprintf("pid %s in %s", e.Name(), pod))
		}
	}
	return found
}
