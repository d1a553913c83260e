package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// keywords the validator understands; a schema using any other keyword is
// rejected rather than silently half-checked.
var keywords = []string{"$schema", "$id", "$ref", "$defs", "title", "description",
	"type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum"}

// Schema is a compiled JSON Schema (the subset of draft 2020-12 named in
// keywords).
type Schema struct {
	root map[string]any
}

// Compile parses a schema and checks that it uses only supported keywords
// and resolvable references.
func Compile(data []byte) (*Schema, error) {
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s := &Schema{root: root}
	if err := s.check(root, "#"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Schema) check(node map[string]any, at string) error {
	for k, v := range node {
		if !slices.Contains(keywords, k) {
			return fmt.Errorf("schema %s: unsupported keyword %q", at, k)
		}
		bad := fmt.Errorf("schema %s: keyword %s has the wrong type", at, k)
		switch k {
		case "$ref":
			ref, ok := v.(string)
			if !ok {
				return bad
			}
			if _, err := s.resolve(ref); err != nil {
				return fmt.Errorf("schema %s: %w", at, err)
			}
		case "$defs", "properties":
			subs, ok := v.(map[string]any)
			if !ok {
				return bad
			}
			for name, sub := range subs {
				m, ok := sub.(map[string]any)
				if !ok {
					return fmt.Errorf("schema %s/%s/%s: not a schema", at, k, name)
				}
				if err := s.check(m, at+"/"+k+"/"+name); err != nil {
					return err
				}
			}
		case "items", "additionalProperties":
			switch sub := v.(type) {
			case map[string]any:
				if err := s.check(sub, at+"/"+k); err != nil {
					return err
				}
			case bool:
			default:
				return bad
			}
		case "required", "enum":
			list, ok := v.([]any)
			if !ok {
				return bad
			}
			for _, r := range list {
				if _, ok := r.(string); k == "required" && !ok {
					return bad
				}
			}
		case "type":
			if !validType(v) {
				return bad
			}
		}
	}
	return nil
}

func (s *Schema) resolve(ref string) (map[string]any, error) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	defs, _ := s.root["$defs"].(map[string]any)
	def, found := defs[name].(map[string]any)
	if !ok || !found {
		return nil, fmt.Errorf("unresolvable $ref %q", ref)
	}
	return def, nil
}

// Validate checks a JSON document against the schema and returns every
// violation, each naming its place in the document ("/results/3/mesh").
func (s *Schema) Validate(data []byte) []error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return []error{fmt.Errorf("not JSON: %w", err)}
	}
	var errs []error
	s.validate(s.root, doc, "", &errs)
	return errs
}

func (s *Schema) validate(node map[string]any, v any, at string, errs *[]error) {
	fail := func(format string, args ...any) {
		where := at
		if where == "" {
			where = "/"
		}
		*errs = append(*errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
	}
	if ref, ok := node["$ref"].(string); ok {
		def, _ := s.resolve(ref) // checked by Compile
		s.validate(def, v, at, errs)
	}
	if t, ok := node["type"]; ok && !typeMatches(t, v) {
		fail("expected %s, got %s", typeNames(t), jsonType(v))
		return
	}
	if c, ok := node["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		fail("expected %q, got %v", c, v)
	}
	if enum, ok := node["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		fail("%v is not one of %v", v, enum)
	}
	if min, ok := node["minimum"].(float64); ok {
		if n, isNum := v.(json.Number); isNum {
			if f, _ := n.Float64(); f < min {
				fail("%v is below the minimum %v", n, min)
			}
		}
	}
	switch val := v.(type) {
	case map[string]any:
		s.object(node, val, at, errs, fail)
	case []any:
		if items, ok := node["items"].(map[string]any); ok {
			for i, it := range val {
				s.validate(items, it, at+"/"+strconv.Itoa(i), errs)
			}
		}
	}
}

func (s *Schema) object(node, obj map[string]any, at string, errs *[]error, fail func(string, ...any)) {
	if req, ok := node["required"].([]any); ok {
		for _, r := range req {
			if name, _ := r.(string); !has(obj, name) {
				fail("missing required field %q", r)
			}
		}
	}
	props, _ := node["properties"].(map[string]any)
	for _, k := range sortedKeys(obj) {
		sub := at + "/" + k
		if p, ok := props[k].(map[string]any); ok {
			s.validate(p, obj[k], sub, errs)
			continue
		}
		switch extra := node["additionalProperties"].(type) {
		case bool:
			if !extra {
				fail("unexpected field %q", k)
			}
		case map[string]any:
			s.validate(extra, obj[k], sub, errs)
		}
	}
}

func has(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// validType reports whether a "type" value is a name or a list of names.
func validType(t any) bool {
	switch t := t.(type) {
	case string:
		return true
	case []any:
		for _, x := range t {
			if _, ok := x.(string); !ok {
				return false
			}
		}
		return len(t) > 0
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func typeMatches(t, v any) bool {
	switch t := t.(type) {
	case string:
		return is(t, v)
	case []any:
		return slices.ContainsFunc(t, func(x any) bool { name, _ := x.(string); return is(name, v) })
	}
	return false
}

func is(t string, v any) bool {
	switch t {
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f)
	case "number":
		_, ok := v.(json.Number)
		return ok
	}
	return jsonType(v) == t
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeNames(t any) string {
	if list, ok := t.([]any); ok {
		names := make([]string, len(list))
		for i, n := range list {
			names[i] = fmt.Sprint(n)
		}
		return strings.Join(names, " or ")
	}
	return fmt.Sprint(t)
}
