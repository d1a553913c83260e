package netnsutil_test

import (
	"errors"
	"os"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/meshbench/meshbench/internal/netnsutil"
	"github.com/meshbench/meshbench/internal/testenv"
)

func TestDoRunsInsideAndComesBack(t *testing.T) {
	testenv.RequirePrivileged(t)
	name := "mb-test-netnsutil"
	var target netns.NsHandle
	err := netnsutil.With(func() error {
		var err error
		target, err = netns.NewNamed(name)
		return err
	}, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		target.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Error(err)
		}
	})
	var st unix.Stat_t
	if err := unix.Stat("/run/netns/"+name, &st); err != nil {
		t.Fatal(err)
	}
	var inside unix.Stat_t
	if err := netnsutil.Do("/run/netns/"+name, func() error { return unix.Stat("/proc/thread-self/ns/net", &inside) }); err != nil {
		t.Fatal(err)
	}
	if inside.Ino != st.Ino {
		t.Errorf("fn ran in netns %d, want %d", inside.Ino, st.Ino)
	}
	// Neither the main thread nor this goroutine's thread moved.
	var self, proc unix.Stat_t
	_ = unix.Stat("/proc/thread-self/ns/net", &self)
	_ = unix.Stat("/proc/self/ns/net", &proc)
	if self.Ino == st.Ino || proc.Ino == st.Ino {
		t.Error("the caller was left in the pod's netns")
	}
	want := errors.New("boom")
	if err := netnsutil.Do("/run/netns/"+name, func() error { return want }); !errors.Is(err, want) {
		t.Errorf("fn's error lost: %v", err)
	}
	if err := netnsutil.Do("/run/netns/mb-does-not-exist", func() error { return nil }); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing netns: %v", err)
	}
}
