package kind

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeCluster is a Cluster on client-go's fake clientset, where nothing
// runs: reactors play the kubelet and the Job controller.
func fakeCluster(objs ...runtime.Object) (*Cluster, *fake.Clientset) {
	cs := fake.NewClientset(objs...)
	return &Cluster{name: "t", client: cs}, cs
}

// runPods makes every created pod Running and Ready with an IP.
func runPods(cs *fake.Clientset) {
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "198.19.128.5",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
		return false, nil, nil // the tracker stores the changed pod
	})
}

func TestCreatePodOwnsAndWaits(t *testing.T) {
	c, cs := fakeCluster()
	runPods(cs)
	in := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "server", Namespace: "elsewhere", Labels: map[string]string{"role": "server"}}}
	got, err := c.CreatePod(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Namespace != Namespace || got.Labels[ManagedByLabel] != ManagedBy || got.Labels["role"] != "server" || got.Status.PodIP != "198.19.128.5" {
		t.Errorf("pod %s/%s labels %v ip %q", got.Namespace, got.Name, got.Labels, got.Status.PodIP)
	}
	if in.Namespace != "elsewhere" || in.Labels[ManagedByLabel] != "" {
		t.Error("CreatePod changed the caller's pod")
	}
}

func TestWaitPodFailsFastWithStatusAndEvents(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "client", Namespace: Namespace}, Status: corev1.PodStatus{
		Phase: corev1.PodPending,
		ContainerStatuses: []corev1.ContainerStatus{{Name: "load", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason: "ErrImageNeverPull", Message: `Container image "meshbench/meshbench:abc" is not present with pull policy of Never`}}}},
	}}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "client.1", Namespace: Namespace},
		InvolvedObject: corev1.ObjectReference{Name: "client"}, Type: "Warning", Reason: "ErrImageNeverPull", Message: "image not present"}
	c, _ := fakeCluster(pod, ev)
	ctx, cancel := context.WithTimeout(context.Background(), podTimeout/4)
	defer cancel()
	_, err := c.WaitPod(ctx, "client")
	if err == nil {
		t.Fatal("a pod whose image is missing counted as running")
	}
	for _, want := range []string{"container load cannot start", "ErrImageNeverPull", "meshbench/meshbench:abc", "events of client", "Warning ErrImageNeverPull: image not present"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if ctx.Err() != nil {
		t.Error("waited for the timeout instead of failing fast")
	}
}

// jobReactor plays the Job controller: a created Job gets one pod whose
// container has exited with code exit.
func jobReactor(cs *fake.Clientset, exit int32) {
	cs.PrependReactor("create", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		j := a.(k8stesting.CreateAction).GetObject().(*batchv1.Job)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: j.Name + "-abcde", Namespace: j.Namespace, Labels: map[string]string{jobNameLabel: j.Name}},
			Spec:       j.Spec.Template.Spec,
			Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{Name: "load",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, Reason: "Completed"}}}}},
		}
		if exit != 0 {
			pod.Status.Phase = corev1.PodFailed
		}
		return false, nil, cs.Tracker().Add(pod)
	})
}

func loadJob() *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "load"}, Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "load", Image: "meshbench/meshbench:abc"}}}}}}
}

func TestRunJobStreamsLogsAndReportsFailure(t *testing.T) {
	for _, tt := range []struct {
		exit    int32
		wantErr string
	}{{0, ""}, {3, "exited with code 3"}} {
		c, cs := fakeCluster()
		jobReactor(cs, tt.exit)
		rc, err := c.RunJob(context.Background(), loadJob())
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(rc)
		if cerr := rc.Close(); cerr != nil {
			t.Error(cerr)
		}
		if string(out) != "fake logs" { // what client-go's fake returns for any log stream
			t.Errorf("logs %q", out)
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("exit %d: read error %v, want %q", tt.exit, err, tt.wantErr)
		}
		j, err := cs.BatchV1().Jobs(Namespace).Get(context.Background(), "load", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *j.Spec.BackoffLimit != 0 || j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || j.Labels[ManagedByLabel] != ManagedBy || j.Spec.Template.Labels[ManagedByLabel] != ManagedBy {
			t.Errorf("job not set up as meshbench's one-shot: %+v", j.Spec)
		}
	}
}

func TestDelete(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "server", Namespace: Namespace}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "haproxy", Namespace: Namespace}}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "load", Namespace: Namespace}}
	c, cs := fakeCluster(pod, cm, job)
	gone := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "never-was"}}
	if err := c.Delete(context.Background(), pod, cm, job, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods(Namespace).Get(context.Background(), "server", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pod still there: %v", err)
	}
	if _, err := cs.BatchV1().Jobs(Namespace).Get(context.Background(), "load", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("job still there: %v", err)
	}
	var foreground bool
	for _, a := range cs.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && d.GetResource().Resource == "jobs" {
			foreground = d.GetDeleteOptions().PropagationPolicy != nil && *d.GetDeleteOptions().PropagationPolicy == metav1.DeletePropagationForeground
		}
	}
	if !foreground {
		t.Error("job not deleted in the foreground: its pods could outlive it")
	}
	err := c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}})
	if err == nil || !strings.Contains(err.Error(), "not a kind of object meshbench creates") {
		t.Errorf("deleting a namespace: %v", err)
	}
}

func TestDeleteReportsAPIErrors(t *testing.T) {
	c, cs := fakeCluster()
	cs.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("apiserver unavailable")
	})
	err := c.Delete(context.Background(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "server"}})
	if err == nil || !strings.Contains(err.Error(), "delete pod server: apiserver unavailable") {
		t.Errorf("err = %v", err)
	}
}
