package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meshbench/meshbench/internal/cgroupv2"
	"github.com/meshbench/meshbench/internal/kubemesh"
)

// podProc is where a kind pod's process lives, as this host sees it.
type podProc struct {
	pid    int
	netns  string // /proc/<pid>/ns/net
	cgroup string // its cgroup v2 directory
}

// procWait bounds the search for pods' processes: a Ready pod's container
// runs already, so this only covers /proc catching up.
const procWait = 10 * time.Second

// findPodProcesses finds, among this host's processes, the one of each
// pod: tokens maps the value of kubemesh.TokenEnv in a pod's container to
// the pod's name. Kind nodes share this host's kernel, so a pod's process
// is a host process in the pod's network namespace and cgroup.
func findPodProcesses(ctx context.Context, tokens map[string]string) (map[string]podProc, error) {
	mount, err := cgroupv2.Mountpoint()
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(procWait)
	for {
		found, err := scanProcs(tokens, mount)
		if err != nil || len(found) == len(tokens) {
			return found, err
		}
		if time.Now().After(deadline) {
			var missing []string
			for _, name := range tokens {
				if _, ok := found[name]; !ok {
					missing = append(missing, name)
				}
			}
			slices.Sort(missing)
			return nil, fmt.Errorf("no process of pod %s on this host: conformance on kind enters the pods from the host, so the cluster's nodes must share this host's kernel (a kind cluster on this machine)",
				strings.Join(missing, ", "))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// scanProcs reads every process's environment once.
func scanProcs(tokens map[string]string, mount string) (map[string]podProc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	found := map[string]podProc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue // gone, or a kernel thread
		}
		token, ok := envValue(env, kubemesh.TokenEnv)
		name, mine := tokens[token]
		if !ok || !mine {
			continue
		}
		if _, dup := found[name]; dup {
			continue // a process the container started; the first is as good
		}
		cg, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cgroup"))
		if err != nil {
			continue
		}
		rel, err := cgroupV2Path(cg)
		if err != nil {
			return nil, fmt.Errorf("pod %s (pid %d): %w", name, pid, err)
		}
		found[name] = podProc{pid: pid, netns: fmt.Sprintf("/proc/%d/ns/net", pid), cgroup: filepath.Join(mount, rel)}
	}
	return found, nil
}

// envValue returns the value of key in a NUL-separated environment
// (/proc/<pid>/environ).
func envValue(environ []byte, key string) (string, bool) {
	prefix := []byte(key + "=")
	for kv := range bytes.SplitSeq(environ, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, prefix); ok {
			return string(v), true
		}
	}
	return "", false
}

// cgroupV2Path returns the cgroup v2 path in /proc/<pid>/cgroup ("0::/x"
// gives /x), relative to this process's cgroup namespace root.
func cgroupV2Path(data []byte) (string, error) {
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "0::"); ok {
			if !strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "/..") {
				return "", fmt.Errorf("cgroup v2 path %q is outside this process's cgroup namespace", rest)
			}
			return filepath.Clean(rest), nil
		}
	}
	return "", errors.New("no cgroup v2 entry (0::) in its /proc/<pid>/cgroup")
}
