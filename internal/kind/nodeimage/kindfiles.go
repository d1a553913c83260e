package nodeimage

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// skippedKindFiles are files of kind's images/base/files that this image
// does not carry, with the reason.
var skippedKindFiles = map[string]string{
	// kind builds containerd-fuse-overlayfs-grpc from source for rootless
	// Docker; Debian has no package for it, so the unit would start nothing.
	"etc/systemd/system/containerd-fuse-overlayfs.service": "no containerd-fuse-overlayfs-grpc binary in Debian",
}

// copyKindFiles copies kind's node files (images/base/files in the pinned
// sigs.k8s.io/kind module) into dst with the modes kind's Dockerfile gives
// them: 0755 for scripts in /usr/local/bin and /kind/bin, 0644 otherwise.
func copyKindFiles(kindDir, dst string) error {
	src := filepath.Join(kindDir, "images", "base", "files")
	if _, err := os.Stat(filepath.Join(src, "usr", "local", "bin", "entrypoint")); err != nil {
		return fmt.Errorf("kind node files: %w (expected images/base/files in %s)", err, KindModule)
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || d.IsDir() {
			return err
		}
		if _, skip := skippedKindFiles[filepath.ToSlash(rel)]; skip {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel), kindFileMode(filepath.ToSlash(rel)))
	})
}

func kindFileMode(rel string) os.FileMode {
	if strings.HasPrefix(rel, "usr/local/bin/") || strings.HasPrefix(rel, "kind/bin/") {
		return 0o755
	}
	return 0o644
}

var oomRe = regexp.MustCompile(`(?m)^(\s*restrict_oom_score_adj\s*=\s*)false\b`)

var sandboxRe = regexp.MustCompile(`(?m)^\s*sandbox_image\s*=\s*"([^"]+)"`)

// sandboxImage reads the CRI sandbox (pause) image from a containerd
// config.toml.
func sandboxImage(config string) (string, error) {
	m := sandboxRe.FindStringSubmatch(config)
	if m == nil {
		return "", fmt.Errorf("containerd config has no sandbox_image = \"...\" under the CRI plugin")
	}
	return m[1], nil
}

// containerdConfig adapts kind's containerd config.toml to the node. It
// must be the version 2 format, which Debian's containerd 1.6 reads, so
// kind's file is used as is except for two settings:
//
//   - sandbox_image is set to the pause image Build loads (kind's build does
//     the reverse: it loads whatever the config names);
//   - restrict_oom_score_adj is turned on, as kind's entrypoint does under a
//     user namespace. On a host whose Docker runs without CAP_SYS_RESOURCE
//     (a sandboxed host) neither systemd nor runc may lower oom_score_adj, so
//     every pod sandbox fails with "can't get final child's PID from pipe";
//     the restriction keeps pod scores at or above containerd's own. Where
//     containerd runs at -999, as kind's unit asks, it changes nothing: no
//     kubelet score is lower than -997.
func containerdConfig(kindConfig, pause string) (string, error) {
	if !regexp.MustCompile(`(?m)^version\s*=\s*2\s*$`).MatchString(kindConfig) {
		return "", fmt.Errorf("kind's containerd config.toml is not \"version = 2\": Debian's containerd 1.6 reads only config version 2; write an equivalent for it")
	}
	if _, err := sandboxImage(kindConfig); err != nil {
		return "", err
	}
	if !oomRe.MatchString(kindConfig) {
		return "", fmt.Errorf("kind's containerd config has no restrict_oom_score_adj = false line to turn on")
	}
	cfg := sandboxRe.ReplaceAllStringFunc(kindConfig, func(line string) string {
		m := sandboxRe.FindStringSubmatchIndex(line)
		return line[:m[2]] + pause + line[m[3]:]
	})
	return oomRe.ReplaceAllString(cfg, "${1}true"), nil
}
