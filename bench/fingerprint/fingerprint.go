// Package fingerprint records the environment a run happened in, so a result
// can be compared only with results from a comparable machine and anyone can
// see what it was measured on.
package fingerprint

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/unix"
)

// Env is the environment fingerprint stored in every results file.
type Env struct {
	Kernel        string `json:"kernel"`
	KernelCmdline string `json:"kernel_cmdline"`
	CPU           string `json:"cpu"`
	Cores         int    `json:"cores"`
	Governor      string `json:"governor"`
	MemoryBytes   int64  `json:"memory_bytes"`
	Go            string `json:"go"`
	Version       string `json:"version"`
	Commit        string `json:"commit"`
	Dirty         bool   `json:"dirty"`
	// BinarySHA256 identifies the exact meshbench binary, which tells two
	// builds from modified trees at the same commit apart.
	BinarySHA256 string `json:"binary_sha256"`
	Substrate    string `json:"substrate"`
	// Kubernetes, NodeImage and NodeImageID describe the cluster of a run
	// on a Kubernetes substrate (kind): the API server's version and the
	// node image by reference and Docker image ID.
	Kubernetes  string `json:"kubernetes,omitempty"`
	NodeImage   string `json:"node_image,omitempty"`
	NodeImageID string `json:"node_image_id,omitempty"`

	// Proxy and ProxyVersion name the sidecar proxy of the run, from the
	// mesh's own description; empty when no sidecar ran.
	Proxy        string `json:"proxy,omitempty"`
	ProxyVersion string `json:"proxy_version,omitempty"`
	// BPFObjectSHA256 is the SHA-256 of the eBPF datapath object built into
	// the binary (datapath.ObjectSHA256).
	BPFObjectSHA256 string `json:"bpf_object_sha256"`
	// Seed shuffled the order of the points; meshbench run --seed replays it.
	Seed int64 `json:"seed"`
	// BPFStats says whether BPF program run time could be counted here.
	BPFStats string `json:"bpf_stats,omitempty"`
}

// Version is set at build time with -ldflags "-X .../fingerprint.Version=...".
var Version = "dev"

// Collect reads the fingerprint of this host. Fields that cannot be read are
// left empty rather than failing the run.
func Collect(substrate string) Env {
	e := Env{Cores: runtime.NumCPU(), Go: runtime.Version(), Version: Version, Substrate: substrate}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		e.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if b, err := os.ReadFile("/proc/cmdline"); err == nil {
		e.KernelCmdline = strings.TrimSpace(string(b))
	}
	e.CPU = procField("/proc/cpuinfo", "model name")
	if b, err := os.ReadFile("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"); err == nil {
		e.Governor = strings.TrimSpace(string(b))
	} else {
		e.Governor = "unknown (no cpufreq)"
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		e.MemoryBytes = int64(si.Totalram) * int64(si.Unit)
	}
	e.Commit, e.Dirty = BuildCommit()
	e.BinarySHA256 = binaryHash()
	return e
}

// binaryHash is the SHA-256 of the running executable, "" if unreadable.
func binaryHash() string {
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BuildCommit returns the VCS revision the binary was built from and whether
// the tree had uncommitted changes, as the Go toolchain embedded them.
func BuildCommit() (commit string, dirty bool) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", false
	}
	commit = "unknown"
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return commit, dirty
}

// procField returns the value of the first "key : value" line in a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
