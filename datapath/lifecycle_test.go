package datapath

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// streamByte is byte i of the endless test stream.
func streamByte(i int64) byte { return byte(i*31 + i>>13) }

// stream writes the test stream to w until stop closes, then half-closes.
func stream(w *net.TCPConn, stop <-chan struct{}) (int64, error) {
	buf := make([]byte, 32<<10)
	var off int64
	for {
		select {
		case <-stop:
			return off, w.CloseWrite()
		default:
		}
		for i := range buf {
			buf[i] = streamByte(off + int64(i))
		}
		n, err := w.Write(buf)
		off += int64(n)
		if err != nil {
			return off, err
		}
	}
}

// verify reads r to EOF and checks every byte against the stream.
func verify(r net.Conn) (int64, error) {
	buf := make([]byte, 64<<10)
	var off int64
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		n, err := r.Read(buf)
		for i := range n {
			if buf[i] != streamByte(off+int64(i)) {
				return off + int64(i), errors.New("stream corrupted")
			}
		}
		off += int64(n)
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, err
		}
	}
}

// ourPrograms are the IDs of the programs d loaded.
func ourPrograms(t *testing.T, d *Datapath) []ebpf.ProgramID {
	var ids []ebpf.ProgramID
	for _, p := range []*ebpf.Program{d.objs.MbSockops, d.objs.MbSkMsg, d.objs.MbConnect4, d.objs.MbConnect6} {
		info, err := p.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := info.ID()
		ids = append(ids, id)
	}
	return ids
}

// assertDetached checks that nothing of ours is pinned, attached to the
// cgroup, or held by a bpf_link.
func assertDetached(t *testing.T, instance, cgroup string, progs []ebpf.ProgramID) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(DefaultPinRoot, instance)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pin directory still there: %v", err)
	}
	cg, err := os.Open(cgroup)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	for _, at := range []ebpf.AttachType{ebpf.AttachCGroupSockOps, ebpf.AttachCGroupInet4Connect, ebpf.AttachCGroupInet6Connect} {
		res, err := link.QueryPrograms(link.QueryOptions{Target: int(cg.Fd()), Attach: at})
		if err != nil {
			t.Fatalf("query %s: %v", at, err)
		}
		if len(res.Programs) != 0 {
			t.Errorf("%d programs still attached to the cgroup as %s", len(res.Programs), at)
		}
	}
	ours := map[ebpf.ProgramID]bool{}
	for _, id := range progs {
		ours[id] = true
	}
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		l := it.Take()
		info, err := l.Info()
		if err == nil && ours[info.Program] {
			t.Errorf("a %v link still holds program %d", info.Type, info.Program)
		}
		l.Close()
	}
}

// TestDownDuringLiveTraffic takes the datapath down, as another process
// would, while a stream runs: every byte must still arrive, in order.
func TestDownDuringLiveTraffic(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	up := f.up(nil)
	progs := ourPrograms(t, up)
	// The process that ran Up is gone; this one only has the pins.
	if err := up.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(up.Instance())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, s := f.pair(f.pods[0], f.pods[1], "tcp4")
	stop := make(chan struct{})
	type result struct {
		n   int64
		err error
	}
	wrote, read := make(chan result, 1), make(chan result, 1)
	go func() { n, err := stream(c.(*net.TCPConn), stop); wrote <- result{n, err} }()
	go func() { n, err := verify(s); read <- result{n, err} }()

	time.Sleep(200 * time.Millisecond)
	mid := podStatus(t, d, "pod0")
	if mid.BytesRedirected == 0 {
		t.Fatal("nothing redirected before Down")
	}
	down := exec.Command(os.Args[0])
	down.Env = append(os.Environ(), downEnv+"="+d.Instance())
	if out, err := down.CombinedOutput(); err != nil {
		t.Fatalf("Down in another process: %v\n%s", err, out)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	w, r := <-wrote, <-read
	if w.err != nil || r.err != nil {
		t.Fatalf("stream after Down: wrote %d (%v), read %d (%v)", w.n, w.err, r.n, r.err)
	}
	if w.n != r.n {
		t.Fatalf("wrote %d bytes, read %d", w.n, r.n)
	}
	after := podStatus(t, d, "pod0")
	if after.BytesFallback == 0 {
		t.Errorf("no send took the normal stack after Down")
	}
	t.Logf("%d bytes: %d redirected before Down, %d on the normal stack after", w.n, mid.BytesRedirected, after.BytesFallback)
	assertDetached(t, d.Instance(), f.root, progs)

	// The same connection keeps working both ways.
	send(t, s, c, 10000, 1000)

	// Closing the last short-circuited socket releases what Down unpinned.
	c.Close()
	s.Close()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, id := range progs {
		for {
			p, err := ebpf.NewProgramFromID(id)
			if err != nil {
				break
			}
			p.Close()
			if time.Now().After(deadline) {
				t.Fatalf("program %d still loaded after its last socket closed", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestUpDownLeavesNothing: Up, Open from pins, Down, Down again.
func TestUpDownLeavesNothing(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 2)
	d := f.up(nil)
	progs := ourPrograms(t, d)
	o, err := Open(d.Instance())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	st, err := o.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Pods) != 2 || st.Pods[1].Name != "pod1" || !st.Enabled || st.LoadTime <= 0 || st.MapBytes == 0 {
		t.Errorf("status from pins: %+v", st)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Up(context.Background(), Options{Instance: d.Instance(), Cgroups: []string{f.root}, Probe: ProbeSkip}); !errors.Is(err, ErrExists) {
		t.Errorf("second Up of the same instance: %v, want ErrExists", err)
	}
	if err := Down(d.Instance()); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if err := Down(d.Instance()); err != nil {
		t.Fatalf("second Down: %v", err)
	}
	// Detached links stay as inert objects until the process that made
	// them lets go.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	assertDetached(t, d.Instance(), f.root, progs)
	if _, err := Open(d.Instance()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Down: %v, want ErrNotFound", err)
	}
}

// TestFailedUpLeavesNothing: an Up that fails half way removes what it made.
func TestFailedUpLeavesNothing(t *testing.T) {
	requireDatapath(t)
	f := newFixture(t, 1)
	instance := filepath.Base(f.root)
	_, err := Up(context.Background(), Options{
		Instance:  instance,
		Cgroups:   []string{f.root, "/tmp"}, // the second is no cgroup
		Endpoints: f.endpoints(),
		Probe:     ProbeSkip,
	})
	if err == nil || !strings.Contains(err.Error(), "cgroup v2") {
		t.Fatalf("Up with a bad cgroup: %v", err)
	}
	assertDetached(t, instance, f.root, nil)
}

// TestProbeModes: the required mode refuses a kernel that fails a check and
// leaves nothing behind; the degrade mode comes up without redirecting.
func TestProbeModes(t *testing.T) {
	requireDatapath(t)
	res, err := Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, 2)
	instance := filepath.Base(f.root)
	opts := Options{Instance: instance, Cgroups: []string{f.root}, Endpoints: f.endpoints()}
	d, err := Up(context.Background(), opts)
	if res.Err(ProbeRequired) == nil {
		if err != nil {
			t.Fatalf("Up on a kernel that passes every check: %v", err)
		}
		if err := d.Down(); err != nil {
			t.Fatal(err)
		}
		t.Log("every check passes on this kernel: nothing to refuse or degrade")
		return
	}
	if !errors.Is(err, ErrProbe) {
		t.Fatalf("Up on a kernel failing %v: %v, want ErrProbe", res.Failed(ProbeRequired), err)
	}
	t.Logf("required mode: %v", err)
	assertDetached(t, instance, f.root, nil)

	d = f.up(func(o *Options) { o.Probe = ProbeDegrade })
	st, err := d.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Degraded == "" {
		t.Error("degraded mode does not say why")
	}
	c, s := f.pair(f.pods[0], f.pods[1], "tcp4")
	send(t, c, s, 1<<20, 64<<10)
	after := podStatus(t, d, "pod0")
	if after.BytesRedirected != 0 || after.ConnsPaired != 0 {
		t.Errorf("degraded datapath: %+v, want no socket paired or redirected", after)
	}
	if st, err := d.Status(); err != nil {
		t.Error(err)
	} else if st.Flows != 0 {
		t.Errorf("degraded datapath: %d sockets in the SOCKHASH, want none: membership alone breaks FIONREAD", st.Flows)
	}
}
