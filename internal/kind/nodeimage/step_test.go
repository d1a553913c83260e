package nodeimage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	have := map[string]bool{"a.tar": true, "b/bin/kubelet": true}
	stat := func(p string) error {
		if have[p] {
			return nil
		}
		return os.ErrNotExist
	}
	for _, tc := range []struct {
		name    string
		force   bool
		outputs []string
		exists  bool
		run     bool
		reason  string
	}{
		{"all outputs present", false, []string{"a.tar", "b/bin/kubelet"}, true, false, "cached"},
		{"forced", true, []string{"a.tar"}, true, true, "forced"},
		{"one output missing", false, []string{"a.tar", "c.tar"}, true, true, "no c.tar"},
		{"image gone from Docker", false, []string{"a.tar"}, false, true, "not in Docker"},
		{"image only, present", false, nil, true, false, "cached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decide(tc.force, tc.outputs, stat, tc.exists)
			if d.run != tc.run || d.reason != tc.reason {
				t.Fatalf("decide = %+v, want run=%v reason=%q", d, tc.run, tc.reason)
			}
		})
	}
}

// runSteps skips a step whose output exists, runs the others, prints one
// line per step with a duration and stops at the first failure.
func TestRunSteps(t *testing.T) {
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var ran []string
	mk := func(name string, outputs []string, err error) step {
		return step{name: name, outputs: outputs, run: func(context.Context) error { ran = append(ran, name); return err }}
	}
	var out bytes.Buffer
	err := runSteps(context.Background(), &out, false, []step{
		mk("cached", []string{done}, nil),
		mk("builds", []string{filepath.Join(dir, "missing")}, nil),
		mk("fails", []string{filepath.Join(dir, "missing")}, errors.New("boom")),
		mk("never", []string{filepath.Join(dir, "missing")}, nil),
	})
	if err == nil || !strings.Contains(err.Error(), "step fails: boom") {
		t.Fatalf("err = %v, want step fails: boom", err)
	}
	if strings.Join(ran, ",") != "builds,fails" {
		t.Fatalf("ran %v, want [builds fails]", ran)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^cached +cached \(0s\)$`),
		regexp.MustCompile(`^builds +built \(no .*missing\) in [0-9.]+[mµn]?s$`),
		regexp.MustCompile(`^fails +FAILED after [0-9.]+[mµn]?s$`),
	}
	if len(lines) != len(want) {
		t.Fatalf("progress:\n%s\nwant %d lines", out.String(), len(want))
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d %q does not match %s", i, lines[i], re)
		}
	}
}

func TestRunStepsForceAndCancel(t *testing.T) {
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	s := step{name: "s", outputs: []string{done}, run: func(context.Context) error { n++; return nil }}
	if err := runSteps(context.Background(), &bytes.Buffer{}, true, []step{s}); err != nil || n != 1 {
		t.Fatalf("forced step: ran %d times, err %v; want once", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := runSteps(ctx, &bytes.Buffer{}, true, []step{s}); !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("cancelled: ran %d times, err %v; want no run and context.Canceled", n, err)
	}
}
