package cpuacct

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/testenv"
)

// TestReadBPFFindsProgramsOnACgroup attaches a trivial cgroup_skb program
// that uses one map to a fresh cgroup's parent and finds it, with its map's
// memory, from the child (the effective set includes ancestors).
func TestReadBPFFindsProgramsOnACgroup(t *testing.T) {
	testenv.RequirePrivileged(t)
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(mount, "mb-cpuacct-test-"+strings.ReplaceAll(t.Name(), "/", "-"))
	child := filepath.Join(parent, "pod")
	if err := os.MkdirAll(child, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cgroupv2.RemoveTree(parent); err != nil {
			t.Error(err)
		}
	})
	m, err := ebpf.NewMap(&ebpf.MapSpec{Name: "mb_test_map", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "mb_test_skb", Type: ebpf.CGroupSKB, License: "GPL",
		Instructions: asm.Instructions{
			asm.LoadMapPtr(asm.R1, m.FD()), // references the map, so the program lists it
			asm.Mov.Imm(asm.R0, 1),
			asm.Return(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	l, err := link.AttachCgroup(link.CgroupOptions{Path: parent, Attach: ebpf.AttachCGroupInetEgress, Program: prog})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	stats, err := EnableBPFStats()
	if err != nil {
		t.Fatalf("enable stats: %v", err)
	}
	s, err := ReadBPF(BPFScope{Cgroups: []string{child}})
	if cerr := stats.Close(); cerr != nil {
		t.Error(cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	info, _ := prog.Info()
	id, _ := info.ID()
	p, ok := s.Progs[id]
	if !ok || p.Name != "mb_test_skb" || p.Type != "cgroupskb" {
		t.Fatalf("program %d not found as mb_test_skb: %+v", id, s.Progs)
	}
	if s.MapMemlock == 0 || p.Memlock == 0 {
		t.Errorf("memory not read: maps %d, program %d", s.MapMemlock, p.Memlock)
	}
	u := BPFDelta(s, s, time.Second)
	if len(u.Progs) != 1 || u.RunTime != 0 {
		t.Errorf("delta of a sample with itself: %+v", u)
	}
}
