package cpuacct

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

func TestParseProcStat(t *testing.T) {
	// A name with spaces and parentheses, as comm may have.
	line := "42 (my (odd) proc) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 100 0 0\n"
	comm, ticks, kthread, err := ParseProcStat([]byte(line))
	if err != nil || comm != "my (odd) proc" || ticks != 150+50+7+3 || kthread {
		t.Fatalf("got %q %d %v %v", comm, ticks, kthread, err)
	}
	kline := "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 9 0 0 20 0 1 0 1 0 0\n"
	if _, _, kthread, err := ParseProcStat([]byte(kline)); err != nil || !kthread {
		t.Fatalf("kthreadd not recognised as a kernel thread: %v %v", kthread, err)
	}
	for _, bad := range []string{"", "1 noparen S", "1 (x) S 1 2", "1 (x) S 1 1 1 0 -1 x 0 0 0 0 1 1 1 1"} {
		if _, _, _, err := ParseProcStat([]byte(bad)); err == nil {
			t.Errorf("ParseProcStat(%q) gave no error", bad)
		}
	}
}

// TestProcsDeltaCountsExitedChildren: over 2 s, a shell (pid 10) ran a
// compiler (pid 11) that used 1.5 s before the window's end and was reaped,
// and an editor (pid 20) used 0.5 s. The compiler's time before the window
// (0.3 s) is not the window's.
func TestProcsDeltaCountsExitedChildren(t *testing.T) {
	a := Procs{Ticks: map[int]uint64{10: 100, 11: 30, 20: 1000}, Comm: map[int]string{10: "sh", 11: "cc1", 20: "vi"}}
	b := Procs{Ticks: map[int]uint64{10: 100 + 150, 20: 1050}, Comm: map[int]string{10: "sh", 20: "vi"}}
	cores, top := ProcsDelta(a, b, 2*time.Second)
	if math.Abs(cores-(120+50)/100.0/2) > 1e-9 {
		t.Errorf("cores = %v, want 0.85", cores)
	}
	if len(top) != 2 || top[0].Name != "sh" || math.Abs(top[0].Cores-0.75) > 1e-9 || top[1].Name != "vi" {
		t.Errorf("top = %+v", top)
	}
	if c, _ := ProcsDelta(b, a, time.Second); c != 0 {
		t.Errorf("a shrinking total gave %v, want 0", c)
	}
}

func TestReadProcsSkipsAndSeesSelf(t *testing.T) {
	p, err := ReadProcs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Ticks[os.Getpid()]; !ok {
		t.Fatal("this process is missing")
	}
	p, err = ReadProcs(map[int]bool{os.Getpid(): true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Ticks[os.Getpid()]; ok {
		t.Fatal("skipped process sampled")
	}
}

func TestParseLoadAvg(t *testing.T) {
	l, err := ParseLoadAvg("0.63 1.68 1.45 5/116 17470\n")
	if err != nil || l.Load1 != 0.63 || l.Runnable != 5 {
		t.Fatalf("got %+v %v", l, err)
	}
	for _, bad := range []string{"", "x 1 1 1/2 3", "1 1 1 x/2 3"} {
		if _, err := ParseLoadAvg(bad); err == nil {
			t.Errorf("ParseLoadAvg(%q) gave no error", bad)
		}
	}
}

// TestBPFDelta: run time and counts are the window's, per program and in
// total; a program that appeared during the window is left out, its memory
// still counted.
func TestBPFDelta(t *testing.T) {
	a := BPFSample{Progs: map[ebpf.ProgramID]BPFProg{
		7: {Name: "sockops", RunTime: time.Second, RunCount: 1000, Memlock: 4096},
		9: {Name: "skmsg", RunTime: 0, RunCount: 0, Memlock: 4096},
	}}
	b := BPFSample{MapMemlock: 1 << 20, Progs: map[ebpf.ProgramID]BPFProg{
		7:  {Name: "sockops", RunTime: time.Second + 100*time.Millisecond, RunCount: 1500, Memlock: 4096},
		9:  {Name: "skmsg", RunTime: 300 * time.Millisecond, RunCount: 4000, Memlock: 4096},
		12: {Name: "late", RunTime: time.Hour, RunCount: 1, Memlock: 4096},
	}}
	u := BPFDelta(a, b, 2*time.Second)
	if u.RunTime != 400*time.Millisecond || u.RunCount != 4500 || math.Abs(u.Cores-0.2) > 1e-9 {
		t.Errorf("usage %+v", u)
	}
	if len(u.Progs) != 2 || u.Progs[0].ID != 7 || u.Progs[1].RunCount != 4000 {
		t.Errorf("programs %+v", u.Progs)
	}
	if u.MapMemlock != 1<<20 || u.ProgMemlock != 3*4096 {
		t.Errorf("memory %d maps, %d programs", u.MapMemlock, u.ProgMemlock)
	}
}
