package datapath

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// coreObjects are every map and the programs every supported kernel loads.
// The splice guard loads on its own: which of its two forms the host
// accepts is only known by trying.
type coreObjects struct {
	meshMaps
	corePrograms
}

type corePrograms struct {
	MbSockops  *ebpf.Program `ebpf:"mb_sockops"`
	MbSkMsg    *ebpf.Program `ebpf:"mb_sk_msg"`
	MbConnect4 *ebpf.Program `ebpf:"mb_connect4"`
	MbConnect6 *ebpf.Program `ebpf:"mb_connect6"`
}

func (p *corePrograms) Close() error {
	var errs []error
	for _, prog := range []**ebpf.Program{&p.MbSockops, &p.MbSkMsg, &p.MbConnect4, &p.MbConnect6} {
		if *prog != nil {
			errs = append(errs, (*prog).Close())
			*prog = nil
		}
	}
	return errors.Join(errs...)
}

// attachGuard loads and attaches the splice guard: as a BPF LSM program
// where the bpf LSM is active, else as fmod_ret on
// security_file_permission. The link keeps the program alive.
func attachGuard(spec *ebpf.CollectionSpec, m *mapSet) (*attachment, error) {
	var errs []error
	for _, form := range []struct {
		name, prog string
		attach     func(*ebpf.Program) (link.Link, error)
	}{
		{"lsm", "mb_guard_lsm", func(p *ebpf.Program) (link.Link, error) {
			return link.AttachLSM(link.LSMOptions{Program: p})
		}},
		{"fmod_ret", "mb_guard_fmod", func(p *ebpf.Program) (link.Link, error) {
			return link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachModifyReturn})
		}},
	} {
		prog, err := loadGuardProgram(spec, form.prog, m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", form.prog, err))
			continue
		}
		l, err := form.attach(prog)
		closeErr := prog.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: attach: %w", form.prog, errors.Join(err, closeErr)))
			continue
		}
		return &attachment{name: "link_splice_guard", link: l, form: form.name}, nil
	}
	return nil, fmt.Errorf("%w: no splice guard loads here (enable the bpf LSM with lsm=...,bpf, or allow fmod_ret on security hooks): %w",
		ErrUnsupported, errors.Join(errs...))
}

func loadGuardProgram(spec *ebpf.CollectionSpec, name string, m *mapSet) (*ebpf.Program, error) {
	var objs struct {
		Prog *ebpf.Program `ebpf:"prog"`
	}
	one := spec.Copy()
	one.Programs = map[string]*ebpf.ProgramSpec{"prog": spec.Programs[name]}
	err := one.LoadAndAssign(&objs, &ebpf.CollectionOptions{
		MapReplacements: map[string]*ebpf.Map{"mb_socks": m.socks, "mb_stats": m.stats},
	})
	return objs.Prog, err
}
