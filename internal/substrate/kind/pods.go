package kind

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// podTimeout bounds how long a pod may take to run (or a Job's pod to
// start); images are local, so this is mostly container start-up.
const podTimeout = 2 * time.Minute

// ensureNamespace creates the meshbench namespace unless it exists, and
// waits for its default service account, without which no pod is admitted.
func (c *Cluster) ensureNamespace(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: map[string]string{ManagedByLabel: ManagedBy}}}
	if _, err := c.client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", Namespace, err)
	}
	return poll(ctx, podTimeout, "wait for service account "+Namespace+"/default", func(ctx context.Context) (bool, string, error) {
		_, err := c.client.CoreV1().ServiceAccounts(Namespace).Get(ctx, "default", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		return true, "", nil
	})
}

// own puts an object into the meshbench namespace with the managed-by label.
func own(m *metav1.ObjectMeta) {
	m.Namespace = Namespace
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	m.Labels[ManagedByLabel] = ManagedBy
}

// CreatePod creates pod in the meshbench namespace (setting its namespace
// and the managed-by label) and waits until it is Ready with an IP. A pod
// that fails, cannot start its containers or is not Ready within two
// minutes gives an error with its status and events.
func (c *Cluster) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	own(&pod.ObjectMeta)
	if _, err := c.client.CoreV1().Pods(Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	return c.WaitPod(ctx, pod.Name)
}

// WaitPod waits until the pod is Ready with an IP and returns it.
func (c *Cluster) WaitPod(ctx context.Context, name string) (*corev1.Pod, error) {
	var got *corev1.Pod
	err := poll(ctx, podTimeout, "wait for pod "+name+" to run", func(ctx context.Context) (bool, string, error) {
		p, err := c.client.CoreV1().Pods(Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		got = p
		if err := podFailed(p); err != nil {
			return false, "", err
		}
		return podReady(p) && p.Status.PodIP != "", podStatus(p), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, c.events(ctx, name))
	}
	return got, nil
}

func podReady(p *corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitingFatal are container waiting reasons that do not resolve by
// themselves: images are local, so a pull error is final.
var waitingFatal = []string{"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName",
	"CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}

// podFailed returns why a pod will never run, nil while it may.
func podFailed(p *corev1.Pod) error {
	if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return fmt.Errorf("pod %s ended (%s)", p.Name, podStatus(p))
	}
	for _, s := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		if w := s.State.Waiting; w != nil && slices.Contains(waitingFatal, w.Reason) {
			return fmt.Errorf("pod %s: container %s cannot start: %s: %s", p.Name, s.Name, w.Reason, w.Message)
		}
	}
	return nil
}

// podStatus describes a pod in one line: phase, conditions not met and
// every container's state.
func podStatus(p *corev1.Pod) string {
	parts := []string{"phase " + string(p.Status.Phase)}
	if p.Spec.NodeName != "" {
		parts = append(parts, "node "+p.Spec.NodeName)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Status != corev1.ConditionTrue && (cond.Reason != "" || cond.Message != "") {
			parts = append(parts, fmt.Sprintf("%s: %s %s", cond.Type, cond.Reason, cond.Message))
		}
	}
	for _, s := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		switch {
		case s.State.Waiting != nil:
			parts = append(parts, fmt.Sprintf("%s waiting: %s %s", s.Name, s.State.Waiting.Reason, s.State.Waiting.Message))
		case s.State.Terminated != nil:
			t := s.State.Terminated
			parts = append(parts, fmt.Sprintf("%s terminated: exit %d %s %s", s.Name, t.ExitCode, t.Reason, strings.TrimSpace(t.Message)))
		case s.State.Running != nil:
			parts = append(parts, s.Name+" running")
		}
	}
	return strings.Join(parts, "; ")
}

// events lists the events of a namespaced object as text for an error
// message ("" when there are none or they cannot be read).
func (c *Cluster) events(ctx context.Context, name string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	list, err := c.client.CoreV1().Events(Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String(),
	})
	if err != nil || len(list.Items) == 0 {
		return ""
	}
	items := list.Items
	slices.SortFunc(items, func(a, b corev1.Event) int { return a.LastTimestamp.Compare(b.LastTimestamp.Time) })
	var b strings.Builder
	b.WriteString("\nevents of " + name + ":")
	for _, e := range items[max(0, len(items)-15):] {
		fmt.Fprintf(&b, "\n  %s %s: %s", e.Type, e.Reason, e.Message)
	}
	return b.String()
}

// Labels returns the labels meshbench puts on what it creates, merged with
// extra (for selectors and for callers building their own objects).
func Labels(extra map[string]string) map[string]string {
	l := map[string]string{ManagedByLabel: ManagedBy}
	maps.Copy(l, extra)
	return l
}
