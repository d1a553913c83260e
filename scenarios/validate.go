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
	maxKneeTrials   = 50
	maxP99Target    = time.Minute
)

// Validate checks a scenario that was built in code (Load validates files).
// Every field counts as given, so a zero where a value is required is an
// error.
func (s *Scenario) Validate() error {
	given := map[string]bool{"connections": true, "duration": true, "warmup": true, "repeats": true, "timeout": true}
	if s.Knee != nil {
		for _, f := range []string{"knee", "knee.p99_target", "knee.max_trials", "knee.trial_duration", "knee.trial_warmup"} {
			given[f] = true
		}
	}
	if err := s.validate(given); err != nil {
		return err
	}
	return nil
}

// bad builds the error for one field.
func bad(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// validate reports the first problem found. given lists the fields the file
// set explicitly (nested ones as "knee.p99_target"): an explicit zero is an
// error, an absent field a default.
func (s *Scenario) validate(given map[string]bool) *FieldError {
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
	if err := s.validateKind(given); err != nil {
		return err
	}
	for i, r := range s.Rates {
		if !(r > 0 && r <= maxRate) {
			return bad(fmt.Sprintf("rates[%d]", i), "must be > 0 and <= %g per second, got %g", float64(maxRate), r)
		}
	}
	if given["payload_bytes"] && len(s.PayloadBytes) == 0 {
		return bad("payload_bytes", "must list at least one size in bytes, e.g. payload_bytes: [1024]")
	}
	for i, p := range s.PayloadBytes {
		if p < 1 || p > maxPayloadBytes {
			return bad(fmt.Sprintf("payload_bytes[%d]", i), "must be between 1 and %d bytes, got %d", maxPayloadBytes, p)
		}
	}
	ints := []intField{{"connections", s.Connections, 1, maxConnections}, {"repeats", s.Repeats, 1, maxRepeats}}
	durs := []durationField{{"duration", s.Duration, false, maxDuration}, {"warmup", s.Warmup, true, maxDuration}, {"timeout", s.Timeout, false, maxDuration}}
	if err := checkFields(given, ints, durs); err != nil {
		return err
	}
	return s.Knee.validate(given)
}

// intField is an integer field with its allowed range.
type intField struct {
	field    string
	v        int
	min, max int
}

// durationField is a duration field; zeroOK allows an explicit 0.
type durationField struct {
	field  string
	v      Duration
	zeroOK bool
	max    time.Duration
}

// checkFields validates numbers that were given or are not zero.
func checkFields(given map[string]bool, ints []intField, durs []durationField) *FieldError {
	for _, f := range ints {
		if (given[f.field] || f.v != 0) && (f.v < f.min || f.v > f.max) {
			return bad(f.field, "must be between %d and %d, got %d", f.min, f.max, f.v)
		}
	}
	for _, f := range durs {
		d := f.v.D()
		if !given[f.field] && d == 0 {
			continue
		}
		if d < 0 || (d == 0 && !f.zeroOK) || d > f.max {
			return bad(f.field, "must be a positive duration up to %s, got %s", shortDuration(f.max), d)
		}
	}
	return nil
}

// shortDuration writes 24h0m0s as 24h and 1m0s as 1m.
func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(s, "0m")
}
