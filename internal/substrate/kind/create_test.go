package kind

import (
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
