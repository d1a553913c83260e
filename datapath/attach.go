package datapath

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// attachment is one program attached somewhere, pinned under its name so
// that Down in another process can detach it.
type attachment struct {
	name string
	link link.Link
	form string // the splice guard's form
}

// attachCgroup attaches the sockops and connect programs to every cgroup.
func attachCgroup(progs *corePrograms, cgroups []string) ([]attachment, error) {
	var out []attachment
	for i, cg := range cgroups {
		if err := isCgroup2(cg); err != nil {
			return out, err
		}
		for _, a := range []struct {
			kind string
			typ  ebpf.AttachType
			prog *ebpf.Program
		}{
			{"sockops", ebpf.AttachCGroupSockOps, progs.MbSockops},
			{"connect4", ebpf.AttachCGroupInet4Connect, progs.MbConnect4},
			{"connect6", ebpf.AttachCGroupInet6Connect, progs.MbConnect6},
		} {
			l, err := link.AttachCgroup(link.CgroupOptions{Path: cg, Attach: a.typ, Program: a.prog})
			if err != nil {
				return out, fmt.Errorf("attach %s to %s: %w", a.kind, cg, err)
			}
			out = append(out, attachment{name: fmt.Sprintf("link_%s_%d", a.kind, i), link: l})
		}
	}
	return out, nil
}

// attachSkMsg attaches sk_msg to the SOCKHASH. Linux 6.10 and later give a
// bpf_link (pinnable, detachable by anyone holding it); older kernels only
// have BPF_PROG_ATTACH on the map, which lives as long as the map does, so
// the program is pinned for Down to detach it explicitly.
func attachSkMsg(prog *ebpf.Program, sockhash *ebpf.Map, dir string) (*attachment, error) {
	l, err := link.AttachRawLink(link.RawLinkOptions{
		Target:  sockhash.FD(),
		Program: prog,
		Attach:  ebpf.AttachSkMsgVerdict,
	})
	if err == nil {
		return &attachment{name: "link_sk_msg", link: l}, nil
	}
	if !errors.Is(err, link.ErrNotSupported) && !errors.Is(err, unix.EINVAL) {
		return nil, fmt.Errorf("attach sk_msg to sockhash: %w", err)
	}
	if err := link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  sockhash.FD(),
		Program: prog,
		Attach:  ebpf.AttachSkMsgVerdict,
	}); err != nil {
		return nil, fmt.Errorf("attach sk_msg to sockhash (prog attach): %w", err)
	}
	if err := prog.Pin(filepath.Join(dir, progSkMsgPin)); err != nil {
		return nil, errors.Join(fmt.Errorf("pin sk_msg program: %w", err), detachSkMsgProg(prog, sockhash))
	}
	return nil, nil
}

const progSkMsgPin = "prog_sk_msg"

func detachSkMsgProg(prog *ebpf.Program, sockhash *ebpf.Map) error {
	err := link.RawDetachProgram(link.RawDetachProgramOptions{
		Target:  sockhash.FD(),
		Program: prog,
		Attach:  ebpf.AttachSkMsgVerdict,
	})
	if err != nil {
		return fmt.Errorf("detach sk_msg from sockhash: %w", err)
	}
	return nil
}

// pinAll pins every attachment in dir.
func pinAll(dir string, as []attachment) error {
	for _, a := range as {
		if err := a.link.Pin(filepath.Join(dir, a.name)); err != nil {
			return fmt.Errorf("pin %s: %w", a.name, err)
		}
	}
	return nil
}

func closeAll(as []attachment) error {
	var errs []error
	for _, a := range as {
		if err := a.link.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", a.name, err))
		}
	}
	return errors.Join(errs...)
}
