package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes are a contract (see DESIGN.md): scripts and CI branch on them.
const (
	exitOK          = 0
	exitCheckFailed = 1 // a gate regression, a conformance failure, an invalid run
	exitBadInput    = 2 // the message names the file, field and what was expected
	exitEnvironment = 3 // something is missing on this machine; the message says how to install it
)

// codedError carries an exit code with an error.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func badInput(err error) error    { return &codedError{exitBadInput, err} }
func environment(err error) error { return &codedError{exitEnvironment, err} }
func checkFailed(err error) error { return &codedError{exitCheckFailed, err} }

// badInputf formats a bad-input error.
func badInputf(format string, args ...any) error { return badInput(fmt.Errorf(format, args...)) }

// exitCode prints err (one line, prefixed) and returns the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var child *childExitError
	if errors.As(err, &child) {
		if child.code < 0 {
			return exitCheckFailed
		}
		return child.code
	}
	fmt.Fprintf(stderr, "meshbench: %v\n", err)
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	return exitCheckFailed
}
