package haproxy

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"time"

	"github.com/meshbench/meshbench/envoy-baseline/internal/podproc"
)

// stopGrace is how long Stop waits after SIGTERM (HAProxy's hard stop,
// which closes every connection at once) before SIGKILL.
const stopGrace = 5 * time.Second

// Instance is a running sidecar HAProxy.
type Instance struct {
	proc   *podproc.Proc
	socket string
}

// Files are where an instance's configuration and sockets live.
type Files struct {
	Config      string // haproxy.cfg, readable by the proxy's user
	StatsSocket string // as in the Config
	Notify      string // readiness socket, created and removed by Start
}

// Start runs bin in master-worker mode as spec says and returns once
// HAProxy reported itself ready (sd_notify READY=1, sent after every
// listener is bound) and its stats socket answers. On error the process
// is stopped.
func Start(ctx context.Context, bin string, f Files, spec podproc.Spec) (*Instance, error) {
	n, err := podproc.ListenNotify(f.Notify, int(spec.UID), int(spec.GID))
	if err != nil {
		return nil, err
	}
	defer n.Close()
	cmd := exec.Command(bin, "-Ws", "-f", f.Config)
	cmd.Env = []string{"NOTIFY_SOCKET=" + n.Path}
	p, err := podproc.Start(spec, cmd)
	if err != nil {
		return nil, err
	}
	i := &Instance{proc: p, socket: f.StatsSocket}
	err = n.WaitReady(ctx, p.Done(), p.ExitError)
	if err == nil {
		_, err = Command(ctx, f.StatsSocket, "show info")
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start haproxy: %w", err), i.Stop())
	}
	return i, nil
}

// Pid is the master process's ID.
func (i *Instance) Pid() int { return i.proc.Pid() }

// Counters reads the instance's totals.
func (i *Instance) Counters(ctx context.Context) (Counters, error) {
	select {
	case <-i.proc.Done():
		return Counters{}, i.proc.ExitError()
	default:
	}
	return ReadCounters(ctx, i.socket)
}

// Stop stops HAProxy (SIGTERM, then SIGKILL after a grace period) and reaps
// it. It is idempotent.
func (i *Instance) Stop() error { return i.proc.Stop(stopGrace) }

var versionRE = regexp.MustCompile(`(?m)^HA-?Proxy version (\S+)`)

// Version returns the version `bin -v` reports, such as "2.6.12-1+deb12u4".
func Version(bin string) (string, error) {
	out, err := exec.Command(bin, "-v").Output()
	if err != nil {
		return "", fmt.Errorf("%s -v: %w", bin, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s -v: no version in %q", bin, out)
	}
	return string(m[1]), nil
}
