package datapath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Down takes the instance pinned under DefaultPinRoot/<instance> down, from
// any process: it switches the programs to pass-through, detaches every
// program, unpins every map and link and removes the directory. Errors are
// joined; Down goes on after one so that as little as possible is left.
// Down of an instance that does not exist does nothing.
//
// Established connections keep working: their sockets stay linked to the
// now unpinned maps, which the kernel frees when the last of them closes,
// and every send takes the normal stack from the moment Down starts. Bytes
// already redirected but not yet read stay readable, in order.
func Down(instance string) error {
	if !instanceRE.MatchString(instance) {
		return fmt.Errorf("%w: instance %q", ErrInvalid, instance)
	}
	return downDir(filepath.Join(DefaultPinRoot, instance))
}

func downDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	var errs []error
	errs = append(errs, disable(dir))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "link_") {
			errs = append(errs, detachPinnedLink(filepath.Join(dir, e.Name())))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, progSkMsgPin)); err == nil {
		errs = append(errs, detachPinnedProg(dir))
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("unpin %s: %w", e.Name(), err))
		}
	}
	if err := os.Remove(dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
	}
	// The shared root goes too once the last instance is gone.
	if err := os.Remove(filepath.Dir(dir)); err != nil && !errors.Is(err, os.ErrNotExist) && !isNotEmpty(err) {
		errs = append(errs, fmt.Errorf("remove %s: %w", filepath.Dir(dir), err))
	}
	return errors.Join(errs...)
}

// disable makes every program pass traffic through before anything is
// detached, so sockets still linked to the maps leave the short-circuit.
func disable(dir string) error {
	m, err := ebpf.LoadPinnedMap(filepath.Join(dir, "mb_cfg"), nil)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a partial Up that never created the maps
	}
	if err != nil {
		return fmt.Errorf("open pinned config: %w", err)
	}
	defer m.Close()
	s := &mapSet{cfg: m}
	return s.updateConfig(func(c *meshMbConfig) { c.Enabled = 0 })
}

func detachPinnedLink(path string) error {
	l, err := link.LoadPinnedLink(path, nil)
	if err != nil {
		return fmt.Errorf("open pinned link %s: %w", filepath.Base(path), err)
	}
	defer l.Close()
	// Links that cannot be detached (tracing links on some kernels) go
	// when their pin, removed next, and the last handle are gone.
	if err := l.Detach(); err != nil && !errors.Is(err, link.ErrNotSupported) {
		return fmt.Errorf("detach %s: %w", filepath.Base(path), err)
	}
	return nil
}

func detachPinnedProg(dir string) error {
	prog, err := ebpf.LoadPinnedProgram(filepath.Join(dir, progSkMsgPin), nil)
	if err != nil {
		return fmt.Errorf("open pinned sk_msg program: %w", err)
	}
	defer prog.Close()
	pairs, err := ebpf.LoadPinnedMap(filepath.Join(dir, "mb_pairs"), nil)
	if err != nil {
		return fmt.Errorf("open pinned sockhash: %w", err)
	}
	defer pairs.Close()
	return detachSkMsgProg(prog, pairs)
}

func isNotEmpty(err error) bool { return errors.Is(err, unix.ENOTEMPTY) }

// Open finds the instance pinned under DefaultPinRoot/<instance>, to read
// its status and events or change its policy from another process.
func Open(instance string) (*Datapath, error) {
	if !instanceRE.MatchString(instance) {
		return nil, fmt.Errorf("%w: instance %q", ErrInvalid, instance)
	}
	dir := filepath.Join(DefaultPinRoot, instance)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: nothing pinned at %s", ErrNotFound, dir)
		}
		return nil, err
	}
	maps, err := loadPinnedMaps(dir)
	if err != nil {
		return nil, err
	}
	d := &Datapath{instance: instance, dir: dir, maps: maps}
	if d.names, err = readNames(maps); err != nil {
		return nil, errors.Join(err, maps.Close())
	}
	c, err := maps.config()
	if err != nil {
		return nil, errors.Join(err, maps.Close())
	}
	if m, err := ebpf.LoadPinnedMap(filepath.Join(dir, "mb_tc_stats"), nil); err == nil {
		d.tcStats = m
	}
	if c.Redirect == 0 {
		d.degraded = "redirect disabled: the kernel self-test failed when the instance came up"
	}
	return d, nil
}
