package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// jobNameLabel is the label the Job controller puts on a Job's pods.
const jobNameLabel = "batch.kubernetes.io/job-name"

// RunJob creates job in the meshbench namespace (setting its namespace, the
// managed-by label, no retries and restartPolicy Never unless set), waits
// for its pod to start and returns the pod's log stream, followed until the
// pod ends. Reading past the end of the logs of a pod that failed gives an
// error with its exit code instead of io.EOF. Closing the stream does not
// delete the Job: Delete does.
func (c *Cluster) RunJob(ctx context.Context, job *batchv1.Job) (io.ReadCloser, error) {
	job, err := c.createJob(ctx, job)
	if err != nil {
		return nil, err
	}
	pod, err := c.jobPod(ctx, job.Name, "to start", started)
	if err != nil {
		return nil, err
	}
	if len(pod.Spec.Containers) != 1 {
		return nil, fmt.Errorf("job %s: pod %s has %d containers: want 1 to follow", job.Name, pod.Name, len(pod.Spec.Containers))
	}
	return c.followLogs(ctx, job.Name, pod.Name, "")
}

// started says a pod runs or has ended: its logs can be read.
func started(p *corev1.Pod) bool {
	switch p.Status.Phase {
	case corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed:
		return true
	}
	return false
}

// followLogs follows the logs of container ("" when the pod has one) of
// the Job's pod until it ends; the end of a failed pod's logs is an error.
func (c *Cluster) followLogs(ctx context.Context, job, pod, container string) (io.ReadCloser, error) {
	rc, err := c.client.CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, Follow: true}).Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("follow logs of pod %s of job %s: %w", pod, job, err)
	}
	return &jobLogs{ReadCloser: rc, ctx: ctx, c: c, job: job, pod: pod}, nil
}

// createJob creates a copy of job in the meshbench namespace with the
// managed-by label, no retries and restartPolicy Never unless set.
func (c *Cluster) createJob(ctx context.Context, job *batchv1.Job) (*batchv1.Job, error) {
	job = job.DeepCopy()
	own(&job.ObjectMeta)
	if job.Spec.BackoffLimit == nil {
		job.Spec.BackoffLimit = ptr.To[int32](0)
	}
	if job.Spec.Template.Spec.RestartPolicy == "" {
		job.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	}
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	job.Spec.Template.Labels[ManagedByLabel] = ManagedBy
	if _, err := c.client.BatchV1().Jobs(Namespace).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create job %s: %w", job.Name, err)
	}
	return job, nil
}

// jobPod waits until the Job's pod is ready by ready (what says for
// what, in messages) and returns it; a pod that failed ends the wait.
func (c *Cluster) jobPod(ctx context.Context, job, what string, ready func(*corev1.Pod) bool) (*corev1.Pod, error) {
	var got *corev1.Pod
	err := poll(ctx, podTimeout, "wait for the pod of job "+job+" "+what, func(ctx context.Context) (bool, string, error) {
		list, err := c.client.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: jobNameLabel + "=" + job})
		if err != nil {
			return false, err.Error(), nil
		}
		if len(list.Items) == 0 {
			return false, "no pod yet", nil
		}
		p := &list.Items[0]
		got = p
		if ready(p) {
			return true, "", nil
		}
		if err := podFailed(p); err != nil {
			return false, "", err
		}
		return false, podStatus(p), nil
	})
	if err != nil {
		name := job
		if got != nil {
			name = got.Name
		}
		return nil, fmt.Errorf("%w%s", err, c.events(ctx, name))
	}
	return got, nil
}

// jobLogs is a Job pod's followed log stream that turns the end of a failed
// pod's logs into an error.
type jobLogs struct {
	io.ReadCloser
	ctx      context.Context
	c        *Cluster
	job, pod string
	end      error // what Read returns once the stream has ended
}

func (l *jobLogs) Read(p []byte) (int, error) {
	if l.end != nil {
		return 0, l.end
	}
	n, err := l.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		l.end = io.EOF
		if ferr := l.c.jobOutcome(l.ctx, l.pod); ferr != nil {
			l.end = fmt.Errorf("job %s: %w", l.job, ferr)
		}
		return n, l.end
	}
	return n, err
}

// jobOutcome waits briefly for the pod's container to be reported
// terminated (the log stream ends first) and returns nil when it exited 0.
func (c *Cluster) jobOutcome(ctx context.Context, pod string) error {
	var outcome error
	err := poll(ctx, 30*time.Second, "wait for pod "+pod+" to end", func(ctx context.Context) (bool, string, error) {
		p, err := c.client.CoreV1().Pods(Namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		for _, s := range p.Status.ContainerStatuses {
			if t := s.State.Terminated; t != nil {
				if t.ExitCode != 0 {
					outcome = fmt.Errorf("pod %s: container %s exited with code %d (%s)", pod, s.Name, t.ExitCode, t.Reason)
				}
				return true, "", nil
			}
		}
		return false, podStatus(p), nil
	})
	if err != nil {
		return err
	}
	return outcome
}
