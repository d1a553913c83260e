package kind

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPollSaysWhatItLastSaw(t *testing.T) {
	n := 0
	err := poll(context.Background(), 1200*time.Millisecond, "wait for thing", func(context.Context) (bool, string, error) {
		n++
		return false, "thing is still warming up", nil
	})
	if err == nil || !strings.Contains(err.Error(), "wait for thing: not done within 1.2s") || !strings.Contains(err.Error(), "warming up") {
		t.Fatalf("err = %v", err)
	}
	if n < 2 {
		t.Errorf("checked %d times", n)
	}
}

func TestPollStopsOnFailureAndCancel(t *testing.T) {
	boom := errors.New("image missing")
	err := poll(context.Background(), time.Minute, "wait", func(context.Context) (bool, string, error) { return false, "", boom })
	if !errors.Is(err, boom) {
		t.Errorf("failure not returned: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = poll(ctx, time.Minute, "wait", func(context.Context) (bool, string, error) { return false, "x", nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel not returned: %v", err)
	}
	if err := poll(context.Background(), time.Minute, "wait", func(context.Context) (bool, string, error) { return true, "", nil }); err != nil {
		t.Errorf("done: %v", err)
	}
}
