// Package blockread checks a read(2) blocked on a blocking socket while
// signals arrive, the way C programs, Python and Java's classic I/O wait
// for data. On plain TCP a signal whose handler has SA_RESTART (all of Go's
// have it, as do most programs') restarts the read unseen, and the read
// returns only with data, at the peer's close, or with a real error. The
// kernel self-test and the conformance suite both run Check on a socket
// the datapath short-circuits.
package blockread

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// maxSpurious bounds the retries after EAGAIN or EINTR, so a socket that
// returns them without ever blocking cannot spin forever.
const maxSpurious = 10000

// releaseLimit bounds the wait for a reader after its socket's read side
// was shut down.
const releaseLimit = time.Second

// Result is what the blocked reader saw.
type Result struct {
	// Data is what was read: at most the wanted count, or one byte when
	// the peer's close was wanted.
	Data []byte
	// EOF: a read returned 0 (the peer closed, or Run shut the socket's
	// read side at the time limit; then TimedOut is set too).
	EOF bool
	// TimedOut: the reader had not finished by the deadline.
	TimedOut bool
	// Spurious counts the reads, over the whole wait, that returned EAGAIN
	// or EINTR: on a blocking socket with SA_RESTART handlers, each is a
	// wait the kernel ended early (a receive timeout, SO_RCVTIMEO, does
	// it on purpose). The reader retried them, as a tolerant program would.
	Spurious int
	// FirstSpurious is the first of those errors.
	FirstSpurious error
	// Err is a read error other than EAGAIN and EINTR.
	Err error
}

// ErrDiffer marks bytes that arrived but differ from those sent.
var ErrDiffer = errors.New("bytes differ")

// Check blocks a reader on fd (see Run) and wants exactly want: no read
// ended early, every byte in order. The error says what differed.
func Check(fd int, want []byte, signals int, send func() error, deadline time.Time) error {
	r, err := Run(fd, len(want), signals, send, deadline)
	if err != nil {
		return err
	}
	if msg := r.Problem(len(want)); msg != "" {
		return errors.New(msg)
	}
	if i := diffAt(r.Data, want); i >= 0 {
		return fmt.Errorf("%w: %d bytes read blocking differ from those sent, first at offset %d", ErrDiffer, len(r.Data), i)
	}
	return nil
}

func diffAt(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Run blocks a thread of its own in read(2) on fd, which must be in
// blocking mode, waits until the thread is inside the read, sends it
// SIGURG (the Go runtime's preemption signal: handled, SA_RESTART, and
// ignored for a thread in a system call) signals times, 10 ms apart, then
// calls send and waits until want bytes have been read (want 0: until the
// peer's close), a read returned 0 or failed, or the deadline passed. At
// the deadline it shuts the read side of fd down to free the thread. The
// error is for a check that could not run or a reader that could not be
// freed; what the reader saw is in the Result.
func Run(fd, want, signals int, send func() error, deadline time.Time) (Result, error) {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return Result{}, fmt.Errorf("fcntl(F_GETFL) of fd %d: %w", fd, err)
	}
	if fl&unix.O_NONBLOCK != 0 {
		return Result{}, fmt.Errorf("fd %d is non-blocking: a blocked reader needs a blocking socket", fd)
	}
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
	// fail ends a Run that stopped early for cause; a reader that has
	// already returned has the answer (it read before it blocked), and
	// cause is dropped.
	fail := func(cause error) (Result, error) {
		r, freed, err := settle(fd, done)
		if !freed {
			return r, nil
		}
		return r, errors.Join(cause, err)
	}
	if err := awaitInRead(tid, done, deadline); err != nil {
		return fail(err)
	}
	for range signals {
		if len(done) > 0 {
			break // the read already returned: its result says why
		}
		if err := unix.Tgkill(unix.Getpid(), tid, unix.SIGURG); err != nil {
			return fail(fmt.Errorf("signal the blocked reader: %w", err))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := send(); err != nil {
		return fail(fmt.Errorf("send: %w", err))
	}
	select {
	case r := <-done:
		return r, nil
	case <-time.After(time.Until(deadline)):
		r, freed, err := settle(fd, done) // it may have finished just as time ran out
		r.TimedOut = freed
		return r, err
	}
}

// awaitInRead waits until thread tid is inside read(2), as
// /proc/self/task/TID/syscall shows (its first field is the number of the
// system call in progress), so no signal lands before the read blocks.
func awaitInRead(tid int, done <-chan Result, deadline time.Time) error {
	path := "/proc/self/task/" + strconv.Itoa(tid) + "/syscall"
	for {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if f := strings.Fields(string(b)); len(f) > 0 && f[0] == strconv.Itoa(unix.SYS_READ) {
			return nil
		}
		if len(done) > 0 {
			return errors.New("the reader returned before it blocked")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the reader thread was not blocked in read(2) by the deadline (%s: %q)", path, strings.TrimSpace(string(b)))
		}
		time.Sleep(time.Millisecond)
	}
}

// settle returns the reader's result, first freeing the reader (freed)
// if it is still blocked.
func settle(fd int, done <-chan Result) (r Result, freed bool, err error) {
	select {
	case r := <-done:
		return r, false, nil
	default:
	}
	r, err = release(fd, done)
	return r, true, err
}

// release shuts the read side of fd so a reader still blocked returns,
// and waits for it, at most releaseLimit.
func release(fd int, done <-chan Result) (Result, error) {
	_ = unix.Shutdown(fd, unix.SHUT_RD) // fails only if the reader already ended
	select {
	case r := <-done:
		return r, nil
	case <-time.After(releaseLimit):
		return Result{}, fmt.Errorf("the reader thread stayed blocked in read(2) on fd %d for %s after shutdown(SHUT_RD): it is stuck in the kernel", fd, releaseLimit)
	}
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
			r.Err = fmt.Errorf("%d reads returned %s: the socket does not block", r.Spurious, errName(err))
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
		problems = append(problems, fmt.Sprintf("read(2) on a blocking socket returned %s %d times while it waited and was signalled (with SA_RESTART handlers a signal must not end the read)", errName(r.FirstSpurious), r.Spurious))
	}
	switch {
	case r.Err != nil && want == 0:
		problems = append(problems, fmt.Sprintf("waiting for the peer's close, the read failed: %v", r.Err))
	case r.Err != nil:
		problems = append(problems, fmt.Sprintf("read failed after %d of %d bytes: %v", len(r.Data), want, r.Err))
	case r.TimedOut && want == 0:
		problems = append(problems, "the blocked reader did not see the peer's close")
	case r.TimedOut:
		problems = append(problems, fmt.Sprintf("the blocked reader got %d of %d bytes by the deadline", len(r.Data), want))
	case want == 0 && len(r.Data) > 0:
		problems = append(problems, fmt.Sprintf("read %d bytes where the peer's close was due", len(r.Data)))
	case want > 0 && r.EOF:
		problems = append(problems, fmt.Sprintf("end of stream after %d of %d bytes", len(r.Data), want))
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
