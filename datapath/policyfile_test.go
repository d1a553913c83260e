package datapath

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy("p.yaml", []byte(`
default: deny
rules:
  - from: a
    to: b
    port: 8080
    action: allow
  - to: b
    action: bypass
  - to: c
    port: 0
    action: deny
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{DefaultDeny: true, Rules: []Rule{
		{From: "a", To: "b", Port: 8080, Action: Allow},
		{To: "b", Action: Bypass},
		{To: "c", Action: Deny},
	}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v, want %+v", p, want)
	}
	if p, err := ParsePolicy("empty.yaml", []byte("default: allow\n")); err != nil || !reflect.DeepEqual(p, Policy{}) {
		t.Errorf("allow everything: %+v, %v", p, err)
	}
}

// TestParsePolicyErrors: every bad field is an ErrInvalid naming the file,
// the field and what was expected.
func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"empty", "", []string{"empty, expected a policy mapping"}},
		{"unknown field", "rules:\n  - to: b\n    action: deny\n    verdict: drop\n", []string{"verdict", "not found"}},
		{"bad default", "default: reject\n", []string{"field default", `"reject"`, "allow or deny"}},
		{"no destination", "rules:\n  - from: a\n    action: deny\n", []string{"field rules[0].to", "required"}},
		{"no action", "rules:\n  - to: b\n", []string{"field rules[0].action", "required"}},
		{"bad action", "rules:\n  - to: b\n    action: drop\n", []string{"field rules[0].action", `"drop"`, "allow, deny or bypass"}},
		{"port too big", "rules:\n  - to: b\n    port: 70000\n    action: deny\n", []string{"field rules[0].port", "70000", "1-65535"}},
		{"negative port", "rules:\n  - to: b\n    port: -1\n    action: deny\n", []string{"field rules[0].port"}},
		{"port not a number", "rules:\n  - to: b\n    port: http\n    action: deny\n", []string{"http"}},
		{"duplicate", "rules:\n  - to: b\n    action: deny\n  - to: b\n    action: allow\n", []string{"field rules[1].to", "rules[0] already decides any pod -> b port 0"}},
		{"two documents", "default: deny\n---\ndefault: allow\n", []string{"more than one YAML document"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePolicy("p.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			for _, w := range append([]string{"p.yaml"}, tc.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

// TestPolicyValidateNamesTheRule: a rule naming a pod outside the mesh is
// refused with the rule's field and the pods there are.
func TestPolicyValidateNamesTheRule(t *testing.T) {
	eps := []Endpoint{{Name: "a"}, {Name: "b"}}
	err := Policy{Rules: []Rule{{From: "a", To: "b", Action: Deny}, {From: "z", To: "b", Action: Deny}}}.Validate(eps)
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `rules[1].from: unknown source endpoint "z" (the mesh has a, b)`) {
		t.Errorf("got %v", err)
	}
}
