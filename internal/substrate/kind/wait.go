package kind

import (
	"context"
	"fmt"
	"time"
)

// pollInterval is how often waits look again.
const pollInterval = 500 * time.Millisecond

// poll calls check until it reports done, fails, or timeout (or ctx) ends.
// check also describes what it saw; a timeout error says what was awaited
// and that last description, so the user sees why it never happened.
func poll(parent context.Context, timeout time.Duration, what string, check func(context.Context) (done bool, saw string, err error)) error {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	var saw string
	for {
		done, s, err := check(ctx)
		if s != "" {
			saw = s
		}
		switch {
		case err != nil && ctx.Err() == nil:
			return fmt.Errorf("%s: %w", what, err)
		case done && err == nil:
			return nil
		}
		select {
		case <-ctx.Done():
			if parent.Err() == nil {
				return fmt.Errorf("%s: not done within %s (last seen: %s)", what, timeout, orNothing(saw))
			}
			return fmt.Errorf("%s: %w (last seen: %s)", what, parent.Err(), orNothing(saw))
		case <-time.After(pollInterval):
		}
	}
}

func orNothing(s string) string {
	if s == "" {
		return "nothing yet"
	}
	return s
}
