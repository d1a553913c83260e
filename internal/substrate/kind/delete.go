package kind

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// deleteTimeout bounds the wait for deleted objects to go.
const deleteTimeout = 2 * time.Minute

// handle deletes and looks up one namespaced object.
type handle struct {
	what string // "pod x"
	del  func(context.Context, string, metav1.DeleteOptions) error
	get  func(context.Context, string) error
}

// handleFor returns the handle of a typed object; only the kinds meshbench
// creates are known.
func (c *Cluster) handleFor(obj metav1.Object) (handle, error) {
	core, batch, apps := c.client.CoreV1(), c.client.BatchV1(), c.client.AppsV1()
	getErr := func(_ any, err error) error { return err }
	switch obj.(type) {
	case *corev1.Pod:
		return handle{"pod", core.Pods(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(core.Pods(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	case *corev1.ConfigMap:
		return handle{"config map", core.ConfigMaps(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(core.ConfigMaps(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	case *corev1.Secret:
		return handle{"secret", core.Secrets(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(core.Secrets(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	case *corev1.Service:
		return handle{"service", core.Services(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(core.Services(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	case *batchv1.Job:
		return handle{"job", batch.Jobs(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(batch.Jobs(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	case *appsv1.DaemonSet:
		return handle{"daemon set", apps.DaemonSets(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(apps.DaemonSets(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	case *appsv1.Deployment:
		return handle{"deployment", apps.Deployments(Namespace).Delete, func(ctx context.Context, n string) error {
			return getErr(apps.Deployments(Namespace).Get(ctx, n, metav1.GetOptions{}))
		}}, nil
	}
	return handle{}, fmt.Errorf("delete %T %s: not a kind of object meshbench creates (pod, config map, secret, service, job, daemon set, deployment)", obj, obj.GetName())
}

// Delete deletes objects from the meshbench namespace (pods, config maps,
// secrets, services, jobs, daemon sets, deployments; only the name of each
// is used) and waits until they are gone. Deletion is in the foreground, so
// a Job or DaemonSet is gone only once its pods are. Objects already gone
// are no error; every failure is reported.
func (c *Cluster) Delete(ctx context.Context, objs ...metav1.Object) error {
	fg := metav1.DeletePropagationForeground
	var errs []error
	var pending []func(context.Context) error
	for _, obj := range objs {
		h, err := c.handleFor(obj)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name := obj.GetName()
		if err := h.del(ctx, name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete %s %s: %w", h.what, name, err))
			continue
		}
		pending = append(pending, func(ctx context.Context) error {
			return poll(ctx, deleteTimeout, fmt.Sprintf("wait for %s %s to go", h.what, name), func(ctx context.Context) (bool, string, error) {
				err := h.get(ctx, name)
				switch {
				case apierrors.IsNotFound(err):
					return true, "", nil
				case err != nil:
					return false, err.Error(), nil
				}
				return false, "still there", nil
			})
		})
	}
	for _, wait := range pending {
		errs = append(errs, wait(ctx))
	}
	return errors.Join(errs...)
}
