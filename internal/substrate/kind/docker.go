package kind

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// docker runs the docker CLI (as kind itself does) and returns its standard
// output; a failure carries the command and its standard error.
func docker(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("docker %s: %w", strings.Join(args, " "), ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), &dockerError{args: args, msg: msg, err: err}
	}
	return stdout.Bytes(), nil
}

// dockerError is a failed docker command.
type dockerError struct {
	args []string
	msg  string // its standard error
	err  error
}

func (e *dockerError) Error() string {
	return fmt.Sprintf("docker %s: %s", strings.Join(e.args, " "), e.msg)
}
func (e *dockerError) Unwrap() error { return e.err }

// notFound reports whether a docker inspect failed because the object does
// not exist (and not because Docker does not answer).
func notFound(err error) bool {
	de, ok := err.(*dockerError)
	if !ok {
		return false
	}
	msg := strings.ToLower(de.msg)
	return strings.Contains(msg, "no such") || strings.Contains(msg, "not found")
}

// requireDocker checks that a Docker engine answers.
func requireDocker(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("%w: no docker command: install docker.io (hack/dockerd.sh installs and starts it)", ErrEnvironment)
	}
	if _, err := docker(ctx, nil, "version", "--format", "{{.Server.Version}}"); err != nil {
		return fmt.Errorf("%w: Docker does not answer (start it with hack/dockerd.sh): %v", ErrEnvironment, err)
	}
	return nil
}

// imageID returns the ID of a local image, "" when there is no such image.
func imageID(ctx context.Context, ref string) (string, error) {
	out, err := docker(ctx, nil, "image", "inspect", "--format", "{{.Id}}", ref)
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// lines splits command output into its non-empty lines.
func lines(out []byte) []string {
	var ls []string
	for l := range strings.SplitSeq(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}
