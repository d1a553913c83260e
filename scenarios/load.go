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

// Parse decodes scenario YAML. name is used in error messages only.
func Parse(name string, data []byte) (Scenario, error) {
	// Decode over the defaults, so a field the file leaves out keeps its
	// default and an explicit zero stays zero for validation to reject.
	var s Scenario
	s.Normalize()
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
	if len(s.Meshes) == 0 {
		s.Meshes = []string{MeshNone}
	}
	return s, nil
}

// keys returns the top-level keys present in the document, so validation can
// tell "duration: 0s" (an error) from no duration at all (the default).
func keys(data []byte) (map[string]bool, error) {
	var m map[string]yaml.Node
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	given := make(map[string]bool, len(m))
	for k := range m {
		given[k] = true
	}
	return given, nil
}

var unknownField = regexp.MustCompile(`(line \d+): field (\S+) not found in type \S+`)

// cleanYAMLError turns yaml.v3's messages into one line, keeping the line
// numbers and field names it reports.
func cleanYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	msg = unknownField.ReplaceAllString(msg, "unknown field $2 ($1)")
	return msg
}
