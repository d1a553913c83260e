package kind

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandOutputDropsStackTraces(t *testing.T) {
	out := `I1124 18:44:52.1 kubelet is healthy
[control-plane-check] kube-apiserver is not healthy after 4m0s
error execution phase wait-control-plane
k8s.io/kubernetes/cmd/kubeadm/app/cmd/phases/workflow.(*Runner).Run.func1
	k8s.io/kubernetes@v1.33.4/cmd/kubeadm/app/cmd/phases/workflow/runner.go:262
main.main
	k8s.io/kubernetes@v1.33.4/cmd/kubeadm/kubeadm.go:25
runtime.goexit
	runtime/asm_amd64.s:1771
`
	got := commandOutput([]byte(out), 40)
	want := "I1124 18:44:52.1 kubelet is healthy\n[control-plane-check] kube-apiserver is not healthy after 4m0s\nerror execution phase wait-control-plane"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := commandOutput([]byte("a\nb\nc\n"), 2); got != "...\nb\nc" {
		t.Errorf("tail: %q", got)
	}
	if strings.Contains(commandOutput([]byte("\tfoo.go:12\n"), 5), "foo.go") {
		t.Error("file:line kept")
	}
}

func TestTryLockCreateSeesAHolder(t *testing.T) {
	orig := lockPath
	t.Cleanup(func() { lockPath = orig })
	lockPath = filepath.Join(t.TempDir(), "kind.lock")
	unlock, err := lockCreate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := tryLockCreate(); ok || err != nil {
		t.Errorf("tryLockCreate while held: ok=%v err=%v, want false, nil", ok, err)
	}
	unlock()
	again, ok, err := tryLockCreate()
	if !ok || err != nil {
		t.Fatalf("tryLockCreate once free: ok=%v err=%v", ok, err)
	}
	again()
}
