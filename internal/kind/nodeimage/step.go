package nodeimage

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// step is one cached unit of the build. Its outputs are files in the work
// directory; a step runs when any is missing or the build is forced, and
// writes them atomically (temp name, then rename) so a step that failed half
// way never looks done.
type step struct {
	name    string
	outputs []string                            // files that prove the step is done
	exists  func(context.Context) (bool, error) // optional extra check (a Docker image)
	run     func(context.Context) error
}

// decision is why a step runs or not.
type decision struct {
	run    bool
	reason string
}

// decide reports whether a step must run: forced, or one of its outputs is
// missing (named in the reason), or the extra check found nothing.
func decide(force bool, outputs []string, stat func(string) error, exists bool) decision {
	if force {
		return decision{true, "forced"}
	}
	for _, o := range outputs {
		if err := stat(o); err != nil {
			return decision{true, "no " + o}
		}
	}
	if !exists {
		return decision{true, "not in Docker"}
	}
	return decision{false, "cached"}
}

func statFile(path string) error {
	_, err := os.Stat(path)
	return err
}

// runSteps runs steps in order and prints one line per step with its
// duration, stopping at the first failure.
func runSteps(ctx context.Context, w io.Writer, force bool, steps []step) error {
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		exists := true
		if s.exists != nil && !force {
			ok, err := s.exists(ctx)
			if err != nil {
				return fmt.Errorf("step %s: %w", s.name, err)
			}
			exists = ok
		}
		d := decide(force, s.outputs, statFile, exists)
		if !d.run {
			fmt.Fprintf(w, "%-30s cached (0s)\n", s.name)
			continue
		}
		start := time.Now()
		if err := s.run(ctx); err != nil {
			fmt.Fprintf(w, "%-30s FAILED after %s\n", s.name, since(start))
			return fmt.Errorf("step %s: %w", s.name, err)
		}
		fmt.Fprintf(w, "%-30s built (%s) in %s\n", s.name, d.reason, since(start))
	}
	return nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }
