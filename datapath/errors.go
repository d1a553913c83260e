package datapath

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"
)

// Environment errors. Each one means the host lacks something the datapath
// needs; the CLI maps them to exit code 3. The wrapped message says how to
// fix it.
var (
	ErrNotRoot     = errors.New("the eBPF datapath needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)")
	ErrNoBTF       = errors.New("kernel BTF missing")
	ErrNoBPFFS     = errors.New("bpffs not mounted")
	ErrUnsupported = errors.New("kernel does not support the eBPF datapath")
)

// Other errors callers may branch on.
var (
	// ErrExists means an instance of that name is already pinned.
	ErrExists = errors.New("datapath instance already exists")
	// ErrNotFound means no instance of that name is pinned.
	ErrNotFound = errors.New("datapath instance not found")
	// ErrProbe means a kernel self-test failed: redirecting on this kernel
	// would lose or stall data.
	ErrProbe = errors.New("kernel sockmap self-test failed")
)

// IsEnvironment reports whether err is one of the environment errors.
func IsEnvironment(err error) bool {
	return errors.Is(err, ErrNotRoot) || errors.Is(err, ErrNoBTF) ||
		errors.Is(err, ErrNoBPFFS) || errors.Is(err, ErrUnsupported)
}

const (
	btfPath   = "/sys/kernel/btf/vmlinux"
	bpffsRoot = "/sys/fs/bpf"
)

// CheckEnvironment reports what the host lacks for Up, as one of the
// environment errors, or nil.
func CheckEnvironment() error { return checkHost(false) }

// prepareHost is CheckEnvironment, mounting bpffs first when asked to.
func prepareHost(o Options) error { return checkHost(o.MountBPFFS) }

func checkHost(mountBPFFS bool) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: run meshbench as root (sudo)", ErrNotRoot)
	}
	if _, err := os.Stat(btfPath); err != nil {
		return fmt.Errorf("%w: %s not found; use a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.10 or later)", ErrNoBTF, btfPath)
	}
	if err := checkBPFFS(bpffsRoot); err != nil {
		if !mountBPFFS {
			return err
		}
		if merr := unix.Mount("bpf", bpffsRoot, "bpf", 0, "mode=0700"); merr != nil {
			return fmt.Errorf("%w: mount bpffs on %s: %v", ErrNoBPFFS, bpffsRoot, merr)
		}
	}
	if _, err := cgroup2Mount(); err != nil {
		return err
	}
	return checkKernel()
}

// checkKernel asks the kernel for every map and program type Up loads.
func checkKernel() error {
	for _, mt := range []ebpf.MapType{ebpf.SockHash, ebpf.SkStorage, ebpf.RingBuf, ebpf.PerCPUArray} {
		if err := features.HaveMapType(mt); err != nil {
			return fmt.Errorf("%w: map type %s: %v (Linux 6.1 or later with CONFIG_BPF_STREAM_PARSER=y needed)", ErrUnsupported, mt, err)
		}
	}
	for _, pt := range []ebpf.ProgramType{ebpf.SockOps, ebpf.SkMsg, ebpf.CGroupSockAddr} {
		if err := features.HaveProgramType(pt); err != nil {
			return fmt.Errorf("%w: program type %s: %v (Linux 6.1 or later with CONFIG_CGROUP_BPF=y needed)", ErrUnsupported, pt, err)
		}
	}
	return nil
}

func checkBPFFS(path string) error {
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil || fs.Type != unix.BPF_FS_MAGIC {
		return fmt.Errorf("%w at %s; mount it with: mount -t bpf bpf %s", ErrNoBPFFS, path, path)
	}
	return nil
}
