package nodeimage

import (
	"reflect"
	"testing"
)

func TestMountsUnder(t *testing.T) {
	info := `22 1 0:21 / /proc rw,nosuid - proc proc rw
100 1 8:1 / /work/out/rootfs.tar.d rw - ext4 /dev/vda rw
101 100 0:21 / /work/out/rootfs.tar.d/proc rw - proc proc rw
102 100 0:5 / /work/out/rootfs.tar.d/dev/pts rw - devpts devpts rw
103 100 0:6 / /work/out/rootfs.tar.d/dev rw - devtmpfs udev rw
104 1 0:7 / /work/out/rootfs.tar.dx rw - tmpfs tmpfs rw
105 1 0:8 / /work/out/rootfs.tar.d/my\040dir rw - tmpfs tmpfs rw
`
	got := mountsUnder(info, "/work/out/rootfs.tar.d")
	want := []string{
		"/work/out/rootfs.tar.d/dev/pts",
		"/work/out/rootfs.tar.d/my dir",
		"/work/out/rootfs.tar.d/proc",
		"/work/out/rootfs.tar.d/dev",
		"/work/out/rootfs.tar.d",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mountsUnder = %q\nwant %q (deepest first, nothing outside the tree)", got, want)
	}
}
