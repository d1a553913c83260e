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

// ServerProc is the workload server running in its pod.
type ServerProc = Daemon

// StartServer starts `meshbench serve` in pod and waits until it is listening.
func StartServer(ctx context.Context, c *local.Cluster, exe string, pod local.Pod) (*ServerProc, error) {
	cmd := exec.Command(exe, "serve",
		"--tcp", "[::]:"+strconv.Itoa(TCPPort),
		"--tcp-once", "[::]:"+strconv.Itoa(OncePort),
		"--stream", "[::]:"+strconv.Itoa(StreamPort),
		"--http", "[::]:"+strconv.Itoa(HTTPPort))
	return StartDaemon(ctx, c, pod, "server", cmd, func(line string) bool { return strings.TrimSpace(line) == ReadyLine })
}

// Daemon is a long-running process this package started in a pod.
type Daemon struct {
	name   string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan error
	// TermExit accepts any exit status after Stop's SIGTERM, for programs
	// that catch it and exit non-zero (iperf3 -s).
	TermExit bool
}

// StartDaemon starts cmd in pod, in a process group of its own, and waits
// until a line of its standard output satisfies ready (10 s at most).
func StartDaemon(ctx context.Context, c *local.Cluster, pod local.Pod, name string, cmd *exec.Cmd, ready func(line string) bool) (*Daemon, error) {
	cmd.SysProcAttr = ownProcessGroup()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Daemon{name: name, cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := c.Start(pod, cmd); err != nil {
		return nil, fmt.Errorf("start %s in %s: %w", name, pod.Name, err)
	}
	isReady := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && ready(sc.Text()) {
				close(isReady)
				signalled = true
			}
		}
		s.exited <- cmd.Wait()
	}()
	select {
	case <-isReady:
		return s, nil
	case err := <-s.exited:
		s.exited <- err
		return nil, fmt.Errorf("%s in %s exited before it was ready: %v: %s", name, pod.Name, err, s.stderr.String())
	case <-time.After(10 * time.Second):
		return nil, errors.Join(fmt.Errorf("%s in %s not ready after 10s: %s", name, pod.Name, s.stderr.String()), s.Stop())
	case <-ctx.Done():
		return nil, errors.Join(ctx.Err(), s.Stop())
	}
}

// Stop asks the process to exit (SIGTERM, by its PID) and kills it if it
// does not within 5 s.
func (s *Daemon) Stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", s.name, err)
	}
	select {
	case err := <-s.exited:
		if s.TermExit {
			return nil
		}
		return exitedCleanly(s.name, err, s.stderr.String())
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%s did not stop within 5s of SIGTERM and was killed", s.name)
	}
}

// exitedCleanly accepts a zero exit or death by the SIGTERM we sent.
func exitedCleanly(name string, err error, stderr string) error {
	var ee *exec.ExitError
	if err == nil {
		return nil
	}
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	return fmt.Errorf("%s exited with %v: %s", name, err, stderr)
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
