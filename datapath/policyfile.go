package datapath

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// policyFile is the YAML form of a Policy:
//
//	default: deny            # allow (the default) or deny: what no rule matches gets
//	rules:
//	  - from: mb-n0-p0       # source pod; left out: any pod in the mesh
//	    to: mb-n0-p1         # destination pod; required
//	    port: 8080           # destination port; left out or 0: any port
//	    action: allow        # allow | deny | bypass
type policyFile struct {
	Default string       `yaml:"default"`
	Rules   []policyRule `yaml:"rules"`
}

type policyRule struct {
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Port   *int   `yaml:"port"`
	Action string `yaml:"action"`
}

// ParsePolicy strictly decodes a policy file (the YAML form above). name is
// the file's name for messages: every error names it and the field at fault
// and says what was expected, and wraps ErrInvalid. Whether the pods exist
// is checked when the policy is installed (Options.Policy, SetPolicy).
func ParsePolicy(name string, data []byte) (Policy, error) {
	bad := func(field, format string, args ...any) error {
		if field == "" {
			return fmt.Errorf("%w: %s: %s", ErrInvalid, name, fmt.Sprintf(format, args...))
		}
		return fmt.Errorf("%w: %s: field %s: %s", ErrInvalid, name, field, fmt.Sprintf(format, args...))
	}
	var f policyFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return Policy{}, bad("", "empty, expected a policy mapping (default, rules)")
		}
		return Policy{}, bad("", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Policy{}, bad("", "holds more than one YAML document, expected one policy")
	}
	var p Policy
	switch f.Default {
	case "", "allow":
	case "deny":
		p.DefaultDeny = true
	default:
		return Policy{}, bad("default", "want allow or deny, got %q", f.Default)
	}
	seen := map[Rule]int{}
	for i, r := range f.Rules {
		field := func(s string) string { return fmt.Sprintf("rules[%d].%s", i, s) }
		rule := Rule{From: r.From, To: r.To}
		if r.To == "" {
			return Policy{}, bad(field("to"), "required: the destination pod's name")
		}
		if r.Port != nil {
			if *r.Port < 0 || *r.Port > 65535 {
				return Policy{}, bad(field("port"), "want 1-65535 (or 0 or left out for any port), got %d", *r.Port)
			}
			rule.Port = uint16(*r.Port)
		}
		switch r.Action {
		case "allow":
			rule.Action = Allow
		case "deny":
			rule.Action = Deny
		case "bypass":
			rule.Action = Bypass
		case "":
			return Policy{}, bad(field("action"), "required: allow, deny or bypass")
		default:
			return Policy{}, bad(field("action"), "want allow, deny or bypass, got %q", r.Action)
		}
		k := Rule{From: rule.From, To: rule.To, Port: rule.Port}
		if j, dup := seen[k]; dup {
			return Policy{}, bad(field("to"), "rules[%d] already decides %s -> %s port %d", j, orAny(k.From), k.To, k.Port)
		}
		seen[k] = i
		p.Rules = append(p.Rules, rule)
	}
	return p, nil
}

func orAny(from string) string {
	if from == "" {
		return "any pod"
	}
	return from
}
