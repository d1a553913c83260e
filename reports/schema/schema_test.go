package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/meshbench/meshbench/bench/results"
)

// TestResultsFilesValidate: real results (from `meshbench run --quick`) and
// the hand-made fixtures, optional throughput and churn fields included,
// satisfy the committed schema.
func TestResultsFilesValidate(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.json")
	if len(files) < 3 {
		t.Fatalf("found %d results files under reports/testdata", len(files))
	}
	for _, f := range files {
		if err := ValidateFile(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestFreshlyWrittenFileValidates writes a results file the way `run` does
// (results.Write of a results.File) and validates it: the schema and the Go
// types must agree, including nil slices and maps written as null.
func TestFreshlyWrittenFileValidates(t *testing.T) {
	f := &results.File{Schema: results.Schema, Results: []results.Result{{Scenario: "s", Kind: "latency", Mesh: "none", Placement: "same-node",
		Repeats: []results.Repeat{{}}}}}
	dir := t.TempDir()
	path, err := results.Write(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateFile(path); err != nil {
		t.Error(err)
	}
}

func TestViolationsNamePlace(t *testing.T) {
	base, err := os.ReadFile("../testdata/real-quick.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Compile(Results())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"schema version", func(d map[string]any) { d["schema"] = "meshbench/v2" }, `/schema: expected "meshbench/v1"`},
		{"missing env", func(d map[string]any) { delete(d, "env") }, `/: missing required field "env"`},
		{"cores not a number", func(d map[string]any) { d["env"].(map[string]any)["cores"] = "two" }, "/env/cores: expected integer, got string"},
		{"unknown mesh", func(d map[string]any) { result(d)["mesh"] = "linkerd" }, "/results/0/mesh: linkerd is not one of"},
		{"negative errors", func(d map[string]any) { result(d)["errors"] = -1 }, "/results/0/errors: -1 is below the minimum 0"},
		{"fractional count", func(d map[string]any) { result(d)["errors"] = 1.5 }, "/results/0/errors: expected integer"},
		{"latency missing", func(d map[string]any) { delete(result(d)["latency_us"].(map[string]any), "p99") },
			`/results/0/latency_us: missing required field "p99"`},
		{"memory not int", func(d map[string]any) { result(d)["memory_bytes"] = map[string]any{"client": "lots"} },
			"/results/0/memory_bytes/client: expected integer, got string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(base, &doc); err != nil {
				t.Fatal(err)
			}
			tt.edit(doc)
			data, _ := json.Marshal(doc)
			errs := s.Validate(data)
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("violations %q, want one containing %q", msgs, tt.want)
			}
		})
	}
}

func result(d map[string]any) map[string]any {
	return d["results"].([]any)[0].(map[string]any)
}

// TestSchemaDescribesEveryField walks the Go types of results.json: every
// JSON field they write must be described in the schema, so the committed
// schema cannot silently fall behind the results format.
func TestSchemaDescribesEveryField(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Results(), &root); err != nil {
		t.Fatal(err)
	}
	var missing []string
	var walk func(typ reflect.Type, node map[string]any, at string)
	walk = func(typ reflect.Type, node map[string]any, at string) {
		node = deref(root, node)
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice:
			if items, ok := node["items"].(map[string]any); ok {
				walk(typ.Elem(), items, at+"[]")
			}
		case reflect.Struct:
			props, _ := node["properties"].(map[string]any)
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "" || name == "-" {
					continue
				}
				sub, ok := props[name].(map[string]any)
				if !ok {
					missing = append(missing, at+"."+name)
					continue
				}
				walk(f.Type, sub, at+"."+name)
			}
		}
	}
	walk(reflect.TypeOf(results.File{}), root, "")
	if len(missing) > 0 {
		t.Errorf("results.schema.json does not describe: %s", strings.Join(missing, ", "))
	}
}

func deref(root, node map[string]any) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		node = root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
}

func TestCompileRejectsUnsupported(t *testing.T) {
	for _, bad := range []string{`{"type":"object","pattern":"x"}`, `{"$ref":"#/$defs/nope"}`, `{"properties":{"a":3}}`, `{"type":7}`, `[`} {
		if _, err := Compile([]byte(bad)); err == nil {
			t.Errorf("Compile(%s) accepted a schema it cannot check", bad)
		}
	}
}
