package runner

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/meshbench/meshbench/bench/plan"
)

// progress reports a run as it goes. Plain mode (a file or pipe) writes one
// line per finished step, "[3/40 5m10s left] summary". On a terminal a bar
// with the time remaining sits on the last line and is redrawn every
// quarter second; finished steps' lines scroll above it.
//
// The time remaining is each step's estimate (plan.Estimate) scaled by how
// long the steps so far took against their estimates, so a long knee search
// ahead is not priced like a short latency step.
type progress struct {
	w     io.Writer
	width int // terminal columns; 0 = plain lines
	est   []time.Duration
	start time.Time

	mu       sync.Mutex
	done     int
	doneEst  time.Duration
	stepAt   time.Time
	current  string
	stop     chan struct{}
	finished chan struct{}
}

func newProgress(w io.Writer, width int, steps []plan.Step) *progress {
	p := &progress{w: w, width: width, start: time.Now(), stepAt: time.Now()}
	for _, st := range steps {
		p.est = append(p.est, plan.Estimate(st))
	}
	if width > 0 {
		p.stop, p.finished = make(chan struct{}), make(chan struct{})
		go p.tick()
	}
	return p
}

// begin notes that step i starts.
func (p *progress) begin(i int, st plan.Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stepAt = time.Now()
	p.current = fmt.Sprintf("%s %s %s %s %dB%s #%d", st.Scenario.Name, st.Scenario.Protocol, st.Mesh, st.Placement, st.PayloadBytes, rateLabel(st.Rate), st.Repeat+1)
	p.draw()
}

// finish reports step i done with its summary line.
func (p *progress) finish(i int, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = i + 1
	p.doneEst += p.est[i]
	p.stepAt = time.Now()
	left := p.remaining().Round(time.Second)
	if p.width == 0 {
		fmt.Fprintf(p.w, "[%d/%d %s left] %s\n", p.done, len(p.est), left, line)
		return
	}
	fmt.Fprintf(p.w, "\r\033[K[%d/%d] %s\n", p.done, len(p.est), line)
	p.draw()
}

// close stops the bar and clears its line.
func (p *progress) close() {
	if p.width == 0 {
		return
	}
	close(p.stop)
	<-p.finished
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
}

func (p *progress) tick() {
	defer close(p.finished)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// remaining estimates the time left: the estimates of the steps not done,
// scaled by the ratio of real to estimated time so far, minus what the
// current step has already used.
func (p *progress) remaining() time.Duration {
	var left time.Duration
	for _, e := range p.est[p.done:] {
		left += e
	}
	ratio := 1.0
	if p.doneEst > 0 {
		ratio = float64(p.stepAt.Sub(p.start)) / float64(p.doneEst)
	}
	return max(time.Duration(float64(left)*ratio)-time.Since(p.stepAt), 0)
}

// draw redraws the bar; the caller holds mu.
func (p *progress) draw() {
	if p.width == 0 {
		return
	}
	total := len(p.est)
	status := fmt.Sprintf(" %d/%d %s left  %s", p.done, total, p.remaining().Round(time.Second), p.current)
	barLen := min(30, max(p.width/4, 10))
	filled := barLen * p.done / max(total, 1)
	line := "[" + strings.Repeat("#", filled) + strings.Repeat(".", barLen-filled) + "]" + status
	if r := []rune(line); len(r) > p.width-1 {
		line = string(r[:p.width-1])
	}
	fmt.Fprint(p.w, "\r\033[K"+line)
}

func rateLabel(rate float64) string {
	if rate == 0 {
		return " closed-loop"
	}
	return fmt.Sprintf(" @%g/s", rate)
}
