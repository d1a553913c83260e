package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// Exec runs cmd in a container of a pod in the meshbench namespace, the way
// kubectl exec does (no TTY). stdin, when not nil, is copied to the command
// and closed at its end; stdout and stderr may be nil. A command that exits
// non-zero gives an error with its exit code.
func (c *Cluster) Exec(ctx context.Context, pod, container string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
	req := c.client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(Namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: container,
			Command:   cmd,
			Stdin:     stdin != nil,
			Stdout:    stdout != nil,
			Stderr:    stderr != nil,
		}, scheme.ParameterCodec)
	ex, err := remotecommand.NewSPDYExecutor(c.rest, "POST", req.URL())
	if err != nil {
		return fmt.Errorf("exec in pod %s: %w", pod, err)
	}
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.Exited():
		return fmt.Errorf("exec %s in pod %s container %s: exited with code %d", strings.Join(cmd, " "), pod, container, exit.ExitStatus())
	default:
		return fmt.Errorf("exec %s in pod %s container %s: %w", strings.Join(cmd, " "), pod, container, err)
	}
}
