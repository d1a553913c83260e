// Package blockread checks a read(2) blocked on a blocking socket while
// signals arrive, the way C programs, Python and Java's classic I/O wait
// for data. On plain TCP a signal whose handler has SA_RESTART (all of Go's
// have it, as do most programs') restarts the read unseen, and the read
// returns only with data, at the peer's close, or with a real error. The
// kernel self-test and the conformance suite both run it, on a socket the
// datapath short-circuits.
package blockread

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// maxSpurious bounds the retries after EAGAIN or EINTR, so a socket that
// returns them without ever blocking cannot spin forever.
const maxSpurious = 10000

// Result is what the blocked reader saw.
type Result struct {
	// Data is what was read, at most the wanted count.
	Data []byte
	// EOF: a read returned 0 (the peer closed, or Run shut the socket's
	// read side at the time limit; then TimedOut is set too).
	EOF bool
	// TimedOut: the wanted bytes had not arrived within the limit.
	TimedOut bool
	// Spurious counts the reads that returned EAGAIN or EINTR: on a
	// blocking socket with SA_RESTART handlers, each is a wait the kernel
	// ended early. The reader retried them, as a tolerant program would.
	Spurious int
	// FirstSpurious is the first of those errors.
	FirstSpurious error
	// Err is a read error other than EAGAIN and EINTR.
	Err error
}

// Run blocks a thread of its own in read(2) on fd, which must be in
// blocking mode, sends that thread signals SIGURG (the Go runtime's
// preemption signal: handled, SA_RESTART, and ignored for a thread in a
// system call) signals times, 10 ms apart, then calls send and waits until
// want bytes have been read, a read returned 0 or failed, or limit passed.
// At the limit it shuts the read side of fd down to free the thread.
// The error is for a check that could not run (send failed, no signal
// could be sent); what the reader saw is in the Result.
func Run(fd, want, signals int, send func() error, limit time.Duration) (Result, error) {
	tids := make(chan int, 1)
	done := make(chan Result, 1)
	go func() {
		// Never unlocked: the thread exits with the goroutine, so no other
		// goroutine inherits a thread that was signalled.
		runtime.LockOSThread()
		tids <- unix.Gettid()
		done <- readBlocking(fd, want)
	}()
	tid := <-tids
	time.Sleep(50 * time.Millisecond) // let the reader block first
	var err error
	for range signals {
		if err = unix.Tgkill(unix.Getpid(), tid, unix.SIGURG); err != nil {
			err = fmt.Errorf("signal the blocked reader: %w", err)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		if err = send(); err != nil {
			err = fmt.Errorf("send: %w", err)
		}
	}
	if err != nil {
		return release(fd, done), err
	}
	select {
	case r := <-done:
		return r, nil
	case <-time.After(limit):
		r := release(fd, done)
		r.TimedOut = true
		return r, nil
	}
}

// release shuts the read side of fd so a reader still blocked returns,
// and waits for it.
func release(fd int, done <-chan Result) Result {
	_ = unix.Shutdown(fd, unix.SHUT_RD) // fails only if the reader already ended
	return <-done
}

func readBlocking(fd, want int) Result {
	var r Result
	buf := make([]byte, max(want, 1))
	got := 0
	for {
		n, err := unix.Read(fd, buf[got:])
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			if r.Spurious == 0 {
				r.FirstSpurious = err
			}
			r.Spurious++
			if r.Spurious < maxSpurious {
				continue
			}
			r.Err = fmt.Errorf("%d reads in a row returned %v: the socket does not block", r.Spurious, err)
		case err != nil:
			r.Err = err
		case n == 0:
			r.EOF = true
		default:
			if got += n; got < want {
				continue
			}
		}
		break
	}
	r.Data = buf[:got]
	return r
}

// Problem describes what r shows wrong for a reader that wanted want
// bytes (0: wanted the peer's close), or "" when nothing is.
func (r Result) Problem(want int) string {
	var problems []string
	if r.Spurious > 0 {
		problems = append(problems, fmt.Sprintf("read(2) on a blocking socket returned %s %d times while it waited, as signals arrived (with SA_RESTART a signal must not end the read)", errName(r.FirstSpurious), r.Spurious))
	}
	switch {
	case r.Err != nil:
		problems = append(problems, fmt.Sprintf("read failed after %d of %d bytes: %v", len(r.Data), want, r.Err))
	case r.TimedOut && want == 0:
		problems = append(problems, "the blocked reader did not see the peer's close")
	case r.TimedOut:
		problems = append(problems, fmt.Sprintf("the blocked reader got %d of %d bytes within the limit", len(r.Data), want))
	case want == 0 && len(r.Data) > 0:
		problems = append(problems, fmt.Sprintf("read %d bytes where the peer's close was due", len(r.Data)))
	case want > 0 && r.EOF:
		problems = append(problems, fmt.Sprintf("end of stream after %d of %d bytes", len(r.Data), want))
	}
	if len(problems) == 0 {
		return ""
	}
	return strings.Join(problems, "; ")
}

// errName is an errno's name (EAGAIN), or the error's text.
func errName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) && unix.ErrnoName(errno) != "" {
		return unix.ErrnoName(errno)
	}
	return fmt.Sprint(err)
}
