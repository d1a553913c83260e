// Package scenarios loads, validates and normalises the scenario files users
// run with `meshbench run`. A scenario file is strictly decoded YAML: an
// unknown field, a wrong type or an out-of-range value is an error that names
// the file, the field and what was expected, and wraps ErrInvalid so the CLI
// can exit with code 2.
package scenarios
