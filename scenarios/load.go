package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrInvalid is wrapped by every error about a scenario's content, so callers
// can tell bad input (exit code 2) from environment problems.
var ErrInvalid = errors.New("invalid scenario")

// FieldError names the file and field at fault and what was expected.
type FieldError struct {
	File  string
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: field %s: %s", e.File, e.Field, e.Msg)
}

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// File is a loaded scenario together with where it came from.
type File struct {
	Path     string
	SHA256   string
	Scenario Scenario
}

// Load reads, strictly decodes, validates and normalises one scenario file.
func Load(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return File{}, &FieldError{File: path, Msg: "no such scenario file"}
		}
		return File{}, &FieldError{File: path, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	s, err := Parse(path, data)
	if err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	return File{Path: path, SHA256: hex.EncodeToString(sum[:]), Scenario: s}, nil
}

// Parse decodes, validates and normalises scenario YAML. name is used in
// error messages only.
func Parse(name string, data []byte) (Scenario, error) {
	// Decode into the zero value and validate before normalising, so an
	// explicit zero ("duration: 0s") is an error while a field left out
	// gets its default.
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return Scenario{}, &FieldError{File: name, Msg: "file is empty, expected a scenario mapping"}
		}
		return Scenario{}, &FieldError{File: name, Msg: cleanYAMLError(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Scenario{}, &FieldError{File: name, Msg: "holds more than one YAML document, expected exactly one scenario"}
	}
	given, err := keys(data)
	if err != nil {
		return Scenario{}, &FieldError{File: name, Msg: cleanYAMLError(err)}
	}
	if err := s.validate(given); err != nil {
		err.File = name
		return Scenario{}, err
	}
	normalizeKeepingZeros(&s, given)
	return s, nil
}

// normalizeKeepingZeros fills defaults but keeps the explicit zeros that mean
// something: "warmup: 0s" and "knee: {trial_warmup: 0s}" are no warm-up.
func normalizeKeepingZeros(s *Scenario, given map[string]bool) {
	noWarmup := given["warmup"] && s.Warmup == 0
	noTrialWarmup := s.Knee != nil && given["knee.trial_warmup"] && s.Knee.TrialWarmup == 0
	s.Normalize()
	if noWarmup {
		s.Warmup = 0
	}
	if noTrialWarmup {
		s.Knee.TrialWarmup = 0
	}
}

// keys returns the keys present in the document, nested ones as
// "knee.p99_target", so validation can tell "duration: 0s" (an error) from no
// duration at all (the default).
func keys(data []byte) (map[string]bool, error) {
	var m map[string]yaml.Node
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	given := make(map[string]bool, len(m))
	for k, n := range m {
		given[k] = true
		if n.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			given[k+"."+n.Content[i].Value] = true
		}
	}
	return given, nil
}

var unknownField = regexp.MustCompile(`(line \d+): field (\S+) not found in type scenarios\.(\w+)`)

// nested names the mapping each nested type is decoded from, so an unknown
// field inside it is reported by its full name.
var nested = map[string]string{"Knee": "knee."}

// cleanYAMLError turns yaml.v3's messages into one line, keeping the line
// numbers and field names it reports.
func cleanYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	msg = unknownField.ReplaceAllStringFunc(msg, func(m string) string {
		sub := unknownField.FindStringSubmatch(m)
		return fmt.Sprintf("unknown field %s%s (%s)", nested[sub[3]], sub[2], sub[1])
	})
	return msg
}
