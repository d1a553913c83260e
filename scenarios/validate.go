package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// Limits that keep a scenario on this side of sane.
const (
	maxRate         = 1e7
	maxConnections  = 10000
	maxPayloadBytes = 64 << 20
	maxRepeats      = 1000
	maxDuration     = 24 * time.Hour
)

// Validate checks a scenario that was built in code (Load validates files).
func (s *Scenario) Validate() error {
	given := map[string]bool{"connections": true, "duration": true, "warmup": true, "repeats": true, "timeout": true}
	if err := s.validate(given); err != nil {
		return err
	}
	return nil
}

// validate reports the first problem found. given lists the fields the file
// set explicitly: an explicit zero is an error, an absent field a default.
func (s *Scenario) validate(given map[string]bool) *FieldError {
	bad := func(field, format string, args ...any) *FieldError {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if s.Name == "" {
		return bad("name", "is required, e.g. name: smoke")
	}
	if strings.ContainsAny(s.Name, " /\t\n") {
		return bad("name", "must not contain spaces or slashes, got %q", s.Name)
	}
	if s.Kind != "" && !oneOf(s.Kind, kinds) {
		return bad("kind", "must be one of %s, got %q", strings.Join(kinds, ", "), s.Kind)
	}
	if s.Protocol != "" && !oneOf(s.Protocol, protocols) {
		return bad("protocol", "must be one of %s, got %q", strings.Join(protocols, ", "), s.Protocol)
	}
	if s.Placement != "" && !oneOf(s.Placement, placements) {
		return bad("placement", "must be one of %s, got %q", strings.Join(placements, ", "), s.Placement)
	}
	seen := map[string]bool{}
	for i, m := range s.Meshes {
		if !oneOf(m, meshes) {
			return bad(fmt.Sprintf("meshes[%d]", i), "must be one of %s, got %q", strings.Join(meshes, ", "), m)
		}
		if seen[m] {
			return bad(fmt.Sprintf("meshes[%d]", i), "lists %q twice", m)
		}
		seen[m] = true
	}
	if len(s.Rates) == 0 {
		return bad("rates", "is required: a list of request rates per second, e.g. rates: [500]")
	}
	for i, r := range s.Rates {
		if !(r > 0 && r <= maxRate) {
			return bad(fmt.Sprintf("rates[%d]", i), "must be > 0 and <= %g requests/s, got %g", float64(maxRate), r)
		}
	}
	for i, p := range s.PayloadBytes {
		if p < 1 || p > maxPayloadBytes {
			return bad(fmt.Sprintf("payload_bytes[%d]", i), "must be between 1 and %d bytes, got %d", maxPayloadBytes, p)
		}
	}
	ints := []struct {
		field string
		v     int
		max   int
	}{{"connections", s.Connections, maxConnections}, {"repeats", s.Repeats, maxRepeats}}
	for _, f := range ints {
		if (given[f.field] || f.v != 0) && (f.v < 1 || f.v > f.max) {
			return bad(f.field, "must be between 1 and %d, got %d", f.max, f.v)
		}
	}
	durs := []struct {
		field  string
		v      Duration
		zeroOK bool
	}{{"duration", s.Duration, false}, {"warmup", s.Warmup, true}, {"timeout", s.Timeout, false}}
	for _, f := range durs {
		d := f.v.D()
		if !given[f.field] && d == 0 {
			continue
		}
		if d < 0 || (d == 0 && !f.zeroOK) || d > maxDuration {
			return bad(f.field, "must be a positive duration up to 24h, got %s", d)
		}
	}
	return nil
}
