package kubemesh

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestIdlePod(t *testing.T) {
	o := IdleOptions{Name: "conf-ebpf-n0-p1", Node: "mb-c-worker", Mode: "ebpf", Image: mbImage, Token: "conf-ebpf-n0-p1.1a2b"}
	p, err := IdlePod(o)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Spec.Containers[0]
	if len(p.Spec.Containers) != 1 || c.Env[0].Name != TokenEnv || c.Env[0].Value != o.Token {
		t.Errorf("the pod's process cannot be found by its token: containers %d, env %v", len(p.Spec.Containers), c.Env)
	}
	if p.Labels[LabelRole] != RoleIdle || p.Labels[LabelMode] != "ebpf" || p.Namespace != Namespace {
		t.Errorf("labels %v namespace %q", p.Labels, p.Namespace)
	}
	if p.Spec.RestartPolicy != corev1.RestartPolicyNever || c.ImagePullPolicy != corev1.PullNever {
		t.Errorf("restart %s pull %s: a restarted pod is another process; nothing may be pulled", p.Spec.RestartPolicy, c.ImagePullPolicy)
	}
	terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if terms[0].MatchExpressions[0].Values[0] != o.Node {
		t.Errorf("not pinned to %s: %v", o.Node, terms)
	}
	if err := InjectSidecar(p, sidecarOpts); err != nil {
		t.Errorf("an idle pod takes a sidecar: %v", err)
	}
	for _, bad := range []IdleOptions{
		{Node: o.Node, Mode: o.Mode, Image: o.Image, Token: o.Token},
		{Name: o.Name, Node: o.Node, Mode: "istio", Image: o.Image, Token: o.Token},
		{Name: o.Name, Node: o.Node, Mode: o.Mode, Image: o.Image},
	} {
		if _, err := IdlePod(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("IdlePod(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
