package cgroupv2

import (
	"errors"
	"strings"
	"testing"
)

// hybrid is this project's CI host: v1 controllers on a tmpfs, v2 beside them.
const hybrid = `22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		{name: "hybrid", in: hybrid, want: "/sys/fs/cgroup/unified"},
		{name: "pure v2 with optional fields",
			in:   "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 master:1 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
			want: "/sys/fs/cgroup"},
		{name: "root mount wins over an earlier subtree bind",
			in: "50 23 0:26 /sub /mnt/sub rw - cgroup2 cgroup2 rw\n" +
				"51 23 0:26 / /mnt/cg rw - cgroup2 cgroup2 rw\n",
			want: "/mnt/cg"},
		{name: "only a subtree bind", in: "50 23 0:26 /sub /mnt/sub rw - cgroup2 cgroup2 rw\n", want: "/mnt/sub"},
		{name: "escaped space in mount point", in: `41 31 0:38 / /mnt/my\040cgroup rw - cgroup2 none rw` + "\n", want: "/mnt/my cgroup"},
		{name: "v1 only", in: hybrid[:strings.Index(hybrid, "41 31")], wantErr: ErrNotMounted},
		{name: "empty", in: "", wantErr: ErrNotMounted},
		{name: "malformed lines are ignored", in: "garbage\n1 2 3\n" + hybrid, want: "/sys/fs/cgroup/unified"},
		{name: "fs type cgroup2 in the wrong column", in: "41 31 0:38 / /cgroup2 rw - tmpfs cgroup2 rw\n", wantErr: ErrNotMounted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMountinfo(strings.NewReader(tt.in))
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("ParseMountinfo = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	tests := map[string]string{
		`/plain`:          "/plain",
		`/a\040b`:         "/a b",
		`/tab\011x`:       "/tab\tx",
		`/back\134slash`:  `/back\slash`,
		`/short\04`:       `/short\04`,
		`/not\999octal`:   `/not\999octal`,
		`/end\`:           `/end\`,
		`\040lead\040end`: " lead end",
	}
	for in, want := range tests {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMountpointOnThisHost(t *testing.T) {
	mp, err := Mountpoint()
	if errors.Is(err, ErrNotMounted) {
		t.Skip("no cgroup v2 here")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cgroup v2 at %s", mp)
}
