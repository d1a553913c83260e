package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/meshbench/meshbench/bench/fingerprint"
	"github.com/meshbench/meshbench/reports/sample"
)

// environment adds, for each results file, the fingerprint of the machine it
// was measured on, what each mesh ran, and the exact commands that reproduce
// it.
func environment(d *document, sets []*sample.Set) {
	d.add(heading{2, "Environment"})
	if len(sets) > 1 && !sameMachine(sets) {
		d.add(para{"Warning: these results come from different machines or kernels; differences between files may be the machines', not the meshes'."})
	}
	same := sameEnv(sets)
	for i, s := range sets {
		if same && i > 0 {
			break
		}
		if len(sets) > 1 && !same {
			d.add(heading{3, s.Path})
		}
		d.add(fingerprintGrid(s.File.Env))
	}
	if info := meshInfo(sets); len(info.rows) > 0 {
		d.add(info)
	}
	d.add(heading{2, "Reproduce"})
	for _, s := range sets {
		f := s.File
		if len(sets) > 1 {
			d.add(para{s.Path + ":"})
		}
		var b strings.Builder
		if f.Env.Commit != "" && f.Env.Commit != "unknown" {
			fmt.Fprintf(&b, "git checkout %s", f.Env.Commit)
			if f.Env.Dirty {
				b.WriteString("   # the tree had uncommitted changes")
			}
			b.WriteString("\nmake build\n")
		}
		cmd := f.Command
		if cmd == "" {
			cmd = "# the results file does not record its command"
		}
		b.WriteString(strings.Replace(cmd, "meshbench ", "bin/meshbench ", 1) + "\n")
		d.add(codeText{b.String()})
		var files []string
		for _, sc := range f.Scenarios {
			files = append(files, fmt.Sprintf("%s (sha256 %s)", sc.File, sc.SHA256))
		}
		if len(files) > 0 {
			d.add(para{"Runs need root (they create network namespaces and cgroups). The scenario files as run, to check before rerunning:"}, bullets{files})
		}
	}
}

func fingerprintGrid(e fingerprint.Env) grid {
	commit := e.Commit
	if e.Dirty {
		commit += " (uncommitted changes)"
	}
	rows := [][2]string{
		{"kernel", e.Kernel}, {"kernel command line", e.KernelCmdline}, {"CPU", e.CPU},
		{"cores", fmt.Sprint(e.Cores)}, {"frequency governor", e.Governor},
		{"memory", fmt.Sprintf("%.1f GiB", float64(e.MemoryBytes)/(1<<30))},
		{"Go", e.Go}, {"meshbench", strings.TrimSpace(e.Version + " " + commit)}, {"substrate", e.Substrate},
	}
	g := grid{head: []string{"environment", "value"}}
	for _, r := range rows {
		if r[1] != "" {
			g.rows = append(g.rows, []cell{{text: r[0]}, {text: r[1]}})
		}
	}
	return g
}

// meshInfo lists what each mesh ran (proxy and version, datapath features),
// from the first result of the mesh that describes it.
func meshInfo(sets []*sample.Set) grid {
	g := grid{head: []string{"mesh", "as run"}}
	seen := map[string]bool{}
	for _, p := range allPoints(sets) {
		if seen[p.Mesh] || len(p.Result.MeshInfo) == 0 {
			continue
		}
		seen[p.Mesh] = true
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(p.Result.MeshInfo)) {
			if k != "mesh" {
				kv = append(kv, k+"="+p.Result.MeshInfo[k])
			}
		}
		if len(kv) == 0 {
			kv = []string{"—"}
		}
		g.rows = append(g.rows, []cell{{text: p.Mesh}, {text: strings.Join(kv, " ")}})
	}
	return g
}

// sameMachine reports whether every file was measured on the same kind of
// machine (kernel, CPU model and count).
func sameMachine(sets []*sample.Set) bool {
	e0 := sets[0].File.Env
	for _, s := range sets[1:] {
		e := s.File.Env
		if e.Kernel != e0.Kernel || e.CPU != e0.CPU || e.Cores != e0.Cores {
			return false
		}
	}
	return true
}

// sameEnv reports whether every file has the same fingerprint, shown once.
func sameEnv(sets []*sample.Set) bool {
	for _, s := range sets[1:] {
		if s.File.Env != sets[0].File.Env {
			return false
		}
	}
	return true
}

func allPoints(sets []*sample.Set) []*sample.Point {
	var out []*sample.Point
	for _, s := range sets {
		out = append(out, s.Points...)
	}
	return out
}
