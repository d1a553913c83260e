package runner

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/meshbench/meshbench/bench/results"
)

// Event is one line of `meshbench load --json` output. The load generator
// runs in the client pod as its own process; the runner reads these lines to
// sample CPU exactly around the measurement window and to collect the result.
type Event struct {
	Event  string      `json:"event"` // window-start | window-end | result
	Result *LoadReport `json:"result,omitempty"`
}

// Event names.
const (
	EventWindowStart = "window-start"
	EventWindowEnd   = "window-end"
	EventResult      = "result"
)

// LoadReport is what the load generator measured in its (first) window, and
// the knee search that may follow it. Histograms are HdrHistogram's
// compressed base64 encoding, values in nanoseconds.
type LoadReport struct {
	Requested    float64  `json:"requested"`
	Achieved     float64  `json:"achieved"`
	Completed    int64    `json:"completed"`
	Errors       int64    `json:"errors"`
	Unsent       int64    `json:"unsent"`
	WindowS      float64  `json:"window_s"`
	Latency      string   `json:"latency"`
	Service      string   `json:"service"`
	SendLag      string   `json:"send_lag"`
	Warnings     []string `json:"warnings"`
	ErrorSamples []string `json:"error_samples"`
	// Bytes is what a stream received in the window.
	Bytes int64 `json:"bytes,omitempty"`
	// KernelBytes is the kernel's count of the same window (TCP_INFO), 0
	// when unknown.
	KernelBytes int64 `json:"kernel_bytes,omitempty"`
	// Knee is the saturation-knee search run after a closed-loop window,
	// each of its trials in a window of its own.
	Knee *results.Knee `json:"knee,omitempty"`
}

// WriteEvent writes one event line.
func WriteEvent(w io.Writer, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
