package cgroupv2_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"

	"github.com/meshbench/meshbench/internal/cgroupv2"
)

// TestEffectiveBPFSeesInheritedPrograms: a program attached to a parent
// cgroup acts on sockets of its children, so the evidence for "no datapath"
// must see it from the child.
func TestEffectiveBPFSeesInheritedPrograms(t *testing.T) {
	parent := tempCgroup(t, "mb-test-bpf-")
	child := filepath.Join(parent, "child")
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	if n, err := cgroupv2.EffectiveBPF(child); err != nil || n != 0 {
		t.Fatalf("fresh cgroup: %d programs, %v", n, err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.SockOps,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 1), asm.Return()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	l, err := link.AttachCgroup(link.CgroupOptions{Path: parent, Attach: ebpf.AttachCGroupSockOps, Program: prog})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := cgroupv2.EffectiveBPF(child); err != nil || n != 1 {
		t.Errorf("with a sockops program on the parent: %d programs, %v; want 1", n, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := cgroupv2.EffectiveBPF(child); err != nil || n != 0 {
		t.Errorf("after detaching: %d programs, %v", n, err)
	}
}
