package nodeimage

import (
	"strings"
	"testing"
)

// The settings of kind v0.30.0's images/base/files/etc/containerd/config.toml
// that containerdConfig reads or changes.
const kindConfigExcerpt = `# explicitly use v2 config format
version = 2

[plugins."io.containerd.grpc.v1.cri"]
  # use fixed sandbox image
  sandbox_image = "registry.k8s.io/pause:3.10"
  tolerate_missing_hugepages_controller = true
  restrict_oom_score_adj = false
`

func TestContainerdConfig(t *testing.T) {
	got, err := containerdConfig(kindConfigExcerpt, "registry.k8s.io/pause:3.9")
	if err != nil {
		t.Fatal(err)
	}
	if img, _ := sandboxImage(got); img != "registry.k8s.io/pause:3.9" {
		t.Errorf("sandbox_image %q, want the pause image Build loads", img)
	}
	if !strings.Contains(got, "  restrict_oom_score_adj = true\n") {
		t.Errorf("restrict_oom_score_adj not turned on:\n%s", got)
	}
	if !strings.Contains(got, "version = 2\n") || !strings.Contains(got, "tolerate_missing_hugepages_controller = true") {
		t.Errorf("other settings changed:\n%s", got)
	}
}

func TestContainerdConfigRejects(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"containerd 2 format", strings.Replace(kindConfigExcerpt, "version = 2", "version = 3", 1), "version = 2"},
		{"no sandbox image", strings.Replace(kindConfigExcerpt, "sandbox_image", "# sandbox", 1), "sandbox_image"},
		{"no oom setting", strings.Replace(kindConfigExcerpt, "restrict_oom_score_adj = false", "", 1), "restrict_oom_score_adj"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := containerdConfig(tc.config, "registry.k8s.io/pause:3.10")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestKindFileMode(t *testing.T) {
	for rel, want := range map[string]uint32{
		"usr/local/bin/entrypoint":                             0o755,
		"kind/bin/mount-product-files.sh":                      0o755,
		"etc/containerd/config.toml":                           0o644,
		"etc/systemd/system/kubelet.service.d/10-kubeadm.conf": 0o644,
	} {
		if got := uint32(kindFileMode(rel)); got != want {
			t.Errorf("mode of %s = %o, want %o", rel, got, want)
		}
	}
}
