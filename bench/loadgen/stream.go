package loadgen

import (
	"context"
	"time"
)

// stream reads the worker's stream until the window ends and counts the
// bytes that arrive inside the window, with PayloadBytes-sized reads (the
// message size: iperf3's -l). A stream that fails is counted as one error
// and reopened.
func (w *worker) stream(ctx context.Context) {
	p := w.plan
	var backoff time.Duration
	w.kernelOK = true
	for ctx.Err() == nil {
		now := w.pacer.now()
		if now >= p.windowEnd {
			return
		}
		err := w.sess.connect(p.base.Add(now + p.timeout))
		if err == nil {
			err = w.readStream(ctx)
		}
		if err == nil {
			return // the window is over
		}
		w.sess.close()
		inWindow := w.pacer.now() >= p.windowStart
		if inWindow {
			w.kernelOK = false // the kernel's count restarts on the next connection
		}
		w.account(ctx, err, inWindow)
		backoff = min(max(2*backoff, time.Millisecond), 100*time.Millisecond)
		if w.pacer.waitUntil(ctx, w.pacer.now()+backoff) != nil {
			return
		}
	}
}

// readStream reads until the window's end, which is the read deadline, and
// returns nil then; any other failure is returned. Beside its own count it
// reads the kernel's (TCP_INFO) at the first and after the last read of
// the window, so a reader that miscounts shows: the two differ by at most
// what sat in the receive queue at either end.
func (w *worker) readStream(ctx context.Context) error {
	p := w.plan
	nc := w.sess.nc
	if err := nc.SetReadDeadline(p.base.Add(p.windowEnd)); err != nil {
		return &reqError{kind: "io", err: err}
	}
	var kStart int64
	started := false
	for {
		n, err := nc.Read(w.sess.buf)
		at := w.pacer.now()
		if n > 0 && at >= p.windowStart && at <= p.windowEnd {
			if !started {
				// The kernel's count before this read's bytes.
				k, ok := kernelBytesReceived(nc)
				kStart, started = k-int64(n), true
				w.kernelOK = w.kernelOK && ok
			}
			w.bytes += int64(n)
		}
		if err == nil {
			continue
		}
		if at >= p.windowEnd && ctx.Err() == nil {
			if k, ok := kernelBytesReceived(nc); ok && started {
				w.kernelBytes += k - kStart
			} else {
				w.kernelOK = false
			}
			return nil
		}
		return ioError("read stream", err)
	}
}
