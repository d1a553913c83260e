// Package schema holds the JSON Schema of results.json (results.schema.json,
// committed so other tools can validate meshbench results) and a small
// validator for the subset of JSON Schema it uses.
package schema

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
)

//go:embed results.schema.json
var resultsSchema []byte

// Results returns the schema of results.json as committed.
func Results() []byte { return resultsSchema }

// ValidateFile checks a results file against the schema; the error lists
// every violation with the file name.
func ValidateFile(path string) error {
	s, err := Compile(resultsSchema)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	errs := s.Validate(data)
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: %w", path, e)
	}
	return errors.Join(errs...)
}
