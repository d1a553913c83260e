package kind

import (
	"context"
	"io"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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
	return c.jobPod(ctx, job.Name, "to reach its gate "+gate, func(p *corev1.Pod) bool {
		for _, s := range p.Status.InitContainerStatuses {
			if s.Name == gate && s.State.Running != nil && p.Status.PodIP != "" {
				return true
			}
		}
		return false
	})
}

// FollowJob waits for container of the Job's pod to start and returns its
// log stream, followed until it ends; the end of a failed pod's logs is an
// error, as with RunJob.
func (c *Cluster) FollowJob(ctx context.Context, job, pod, container string) (io.ReadCloser, error) {
	_, err := c.jobPod(ctx, job, "to start container "+container, func(p *corev1.Pod) bool {
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == container && (s.State.Running != nil || s.State.Terminated != nil) {
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	return c.followLogs(ctx, job, pod, container)
}
