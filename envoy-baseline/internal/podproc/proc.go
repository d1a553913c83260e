package podproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
)

// Spec says where and as whom a process runs.
type Spec struct {
	Netns  string // network namespace path, /run/netns/<pod>
	Cgroup string // cgroup v2 directory the process starts in (must exist)
	UID    uint32
	GID    uint32
	// AmbientCaps are capabilities the process keeps although it is not
	// root (such as CAP_NET_RAW for a transparent listener).
	AmbientCaps []uintptr
}

// Proc is a started process, reaped by a goroutine of its own.
type Proc struct {
	cmd    *exec.Cmd
	output *tail
	done   chan struct{}
	err    error // Wait's result, set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start starts cmd as spec says: forked from a thread inside the pod's
// network namespace, placed in spec.Cgroup from its first instruction
// (clone3 CLONE_INTO_CGROUP), under spec's UID and GID with no
// supplementary groups, killed if this process's forking thread dies.
// Stdout and stderr are kept (their tail) for error messages unless cmd
// already has them.
func Start(spec Spec, cmd *exec.Cmd) (*Proc, error) {
	cg, err := os.Open(spec.Cgroup)
	if err != nil {
		return nil, fmt.Errorf("open cgroup: %w", err)
	}
	defer cg.Close()
	p := &Proc{cmd: cmd, output: newTail(8 << 10), done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.output
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p.output
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		UseCgroupFD: true,
		CgroupFD:    int(cg.Fd()),
		Credential:  &syscall.Credential{Uid: spec.UID, Gid: spec.GID, Groups: []uint32{}},
		AmbientCaps: spec.AmbientCaps,
		Pdeathsig:   syscall.SIGKILL,
	}
	if err := netnsutil.Do(spec.Netns, cmd.Start); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process ID.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// ExitError describes how the process ended and what it printed last, on
// one line; call it after Done is closed.
func (p *Proc) ExitError() error {
	var lines []string
	for _, l := range strings.Split(p.output.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return fmt.Errorf("%s exited (%v): %s", p.cmd.Path, p.err, strings.Join(lines, "; "))
}

// Stop sends SIGTERM, waits up to grace for the process to exit, then sends
// SIGKILL and waits for it. It is idempotent; a process that exited on its
// own is not an error here (see ExitError).
func (p *Proc) Stop(grace time.Duration) error {
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		if err := p.cmd.Process.Signal(unix.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.stopErr = fmt.Errorf("terminate pid %d: %w", p.Pid(), err)
		}
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-p.done:
			return
		case <-timer.C:
		}
		if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.stopErr = errors.Join(p.stopErr, fmt.Errorf("kill pid %d: %w", p.Pid(), err))
			return
		}
		<-p.done
	})
	return p.stopErr
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
