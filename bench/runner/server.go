package runner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/local"
)

// ReadyLine is what `meshbench serve` prints once it is listening.
const ReadyLine = "ready"

// serverProc is the workload server running in its pod.
type serverProc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan error
}

// startServer starts `meshbench serve` in pod and waits until it is listening.
func startServer(ctx context.Context, c *local.Cluster, exe string, pod local.Pod) (*serverProc, error) {
	cmd := exec.Command(exe, "serve",
		"--tcp", "[::]:"+strconv.Itoa(TCPPort),
		"--tcp-once", "[::]:"+strconv.Itoa(OncePort),
		"--stream", "[::]:"+strconv.Itoa(StreamPort),
		"--http", "[::]:"+strconv.Itoa(HTTPPort))
	cmd.SysProcAttr = ownProcessGroup()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &serverProc{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := c.Start(pod, cmd); err != nil {
		return nil, fmt.Errorf("start server in %s: %w", pod.Name, err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.TrimSpace(sc.Text()) == ReadyLine {
				close(ready)
				signalled = true
			}
		}
		s.exited <- cmd.Wait()
	}()
	select {
	case <-ready:
		return s, nil
	case err := <-s.exited:
		s.exited <- err
		return nil, fmt.Errorf("server in %s exited before it was ready: %v: %s", pod.Name, err, s.stderr.String())
	case <-time.After(10 * time.Second):
		return nil, errors.Join(fmt.Errorf("server in %s not ready after 10s: %s", pod.Name, s.stderr.String()), s.stop())
	case <-ctx.Done():
		return nil, errors.Join(ctx.Err(), s.stop())
	}
}

// stop asks the server to exit and kills it if it does not within 5 s.
func (s *serverProc) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop server: %w", err)
	}
	select {
	case err := <-s.exited:
		return exitedCleanly(err, s.stderr.String())
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("server did not stop within 5s of SIGTERM and was killed")
	}
}

// exitedCleanly accepts a zero exit or death by the SIGTERM we sent.
func exitedCleanly(err error, stderr string) error {
	var ee *exec.ExitError
	if err == nil {
		return nil
	}
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	return fmt.Errorf("server exited with %v: %s", err, stderr)
}

// lockedBuffer collects a child's stderr safely across goroutines, keeping the
// last 8 KiB.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - 8<<10; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// ownProcessGroup keeps a pod's process out of the terminal's process group,
// so Ctrl-C reaches only meshbench, which then stops its children in order
// and keeps the results measured so far.
func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
