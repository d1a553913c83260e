package kind

import (
	"context"
	"fmt"
	"io"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StartJob creates job like RunJob but returns as soon as its pod has an
// address and its init container gate runs: the pod's address is known
// before the Job's main container starts, so a mesh can be told about it
// first. The caller opens the gate (Exec in gate) and then follows the
// logs with FollowJob.
func (c *Cluster) StartJob(ctx context.Context, job *batchv1.Job, gate string) (*corev1.Pod, error) {
	job, err := c.createJob(ctx, job)
	if err != nil {
		return nil, err
	}
	var got *corev1.Pod
	err = poll(ctx, podTimeout, "wait for the gate of job "+job.Name+" to run", func(ctx context.Context) (bool, string, error) {
		list, err := c.client.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: jobNameLabel + "=" + job.Name})
		if err != nil {
			return false, err.Error(), nil
		}
		if len(list.Items) == 0 {
			return false, "no pod yet", nil
		}
		p := &list.Items[0]
		got = p
		if err := podFailed(p); err != nil {
			return false, "", err
		}
		for _, s := range p.Status.InitContainerStatuses {
			if s.Name == gate && s.State.Running != nil && p.Status.PodIP != "" {
				return true, "", nil
			}
		}
		return false, podStatus(p), nil
	})
	if err != nil {
		name := job.Name
		if got != nil {
			name = got.Name
		}
		return nil, fmt.Errorf("%w%s", err, c.events(ctx, name))
	}
	return got, nil
}

// FollowJob waits for container of the Job's pod to start and returns its
// log stream, followed until it ends; the end of a failed pod's logs is an
// error, as with RunJob.
func (c *Cluster) FollowJob(ctx context.Context, job, pod, container string) (io.ReadCloser, error) {
	err := poll(ctx, podTimeout, "wait for container "+container+" of pod "+pod+" to start", func(ctx context.Context) (bool, string, error) {
		p, err := c.client.CoreV1().Pods(Namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		if err := podFailed(p); err != nil {
			return false, "", err
		}
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == container && (s.State.Running != nil || s.State.Terminated != nil) {
				return true, "", nil
			}
		}
		return false, podStatus(p), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, c.events(ctx, pod))
	}
	rc, err := c.client.CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, Follow: true}).Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("follow logs of pod %s of job %s: %w", pod, job, err)
	}
	return &jobLogs{ReadCloser: rc, ctx: ctx, c: c, job: job, pod: pod}, nil
}
