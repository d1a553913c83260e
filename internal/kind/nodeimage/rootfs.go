package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// nodePackages are installed into the node's root filesystem: what kind's
// base image installs (systemd, the Kubernetes node dependencies, jq for
// kind's mount-product-files hook), with Debian's containerd, runc and CNI
// plugins in place of the ones kind builds from source.
var nodePackages = []string{
	"systemd", "systemd-sysv", "dbus",
	"containerd", "runc", "containernetworking-plugins", "libseccomp2",
	"iptables", "nftables", "ebtables", "conntrack", "ethtool", "socat",
	"iproute2", "kmod", "mount", "util-linux", "procps",
	"bash", "ca-certificates", "jq", "pigz", "less",
}

// basePackages are installed into meshbench/debian-base; kube-proxy's image
// uses it too, for iptables and nftables.
var basePackages = []string{"iptables", "nftables", "iproute2", "haproxy", "ca-certificates", "procps"}

// debootstrap builds a minbase Debian root filesystem with the given
// packages and writes it as a tar file at out. The tree itself is removed:
// the tar is what docker import reads, and what the cache keeps.
func debootstrap(ctx context.Context, stepName, mirror, out string, packages []string) (err error) {
	if err := lookTool(stepName, "debootstrap", "apt-get install debootstrap (make kind-image installs it)"); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: step %s runs debootstrap, which needs root: run as root (sudo)", ErrEnvironment, stepName)
	}
	dir := out + ".d"
	if err := removeTree(dir); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, removeTree(dir)) }()
	args := []string{
		"--variant=minbase", "--components=main",
		"--include=" + strings.Join(packages, ","),
		Suite, dir, mirror,
	}
	if err := (command{}).run(ctx, "debootstrap", args...); err != nil {
		return errors.Join(fmt.Errorf("debootstrap %s from %s", Suite, mirror), err)
	}
	// What kind's clean-install does after apt: drop caches and lists.
	for _, p := range []string{"var/cache/apt/archives", "var/lib/apt/lists", "var/cache/debconf/templates.dat-old"} {
		if err := clearDir(dir + "/" + p); err != nil {
			return err
		}
	}
	tmp := out + ".tmp"
	if err := (command{}).run(ctx, "tar", "--numeric-owner", "--xattrs", "-C", dir, "-cf", tmp, "."); err != nil {
		return errors.Join(fmt.Errorf("pack root filesystem"), err, os.Remove(tmp))
	}
	return os.Rename(tmp, out)
}

// clearDir removes what is inside dir (or the file dir) but keeps dir.
func clearDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return os.Remove(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "partial" || e.Name() == "lock" {
			continue
		}
		if err := os.RemoveAll(dir + "/" + e.Name()); err != nil {
			return err
		}
	}
	return nil
}
