package envoyconfig

import (
	"bytes"
	"encoding/json"
	"fmt"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
)

// JSON returns b as indented JSON with Envoy's field names. protojson's
// own output is deliberately unstable in its spacing, so it is re-encoded:
// the same bootstrap always gives the same bytes (keys sorted).
func JSON(b *bootstrapv3.Bootstrap) ([]byte, error) {
	v, err := generic(b)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode bootstrap: %w", err)
	}
	return append(out, '\n'), nil
}

// YAML returns b as YAML, Envoy's usual bootstrap format, keys sorted.
func YAML(b *bootstrapv3.Bootstrap) ([]byte, error) {
	v, err := generic(b)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode bootstrap: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode bootstrap: %w", err)
	}
	return buf.Bytes(), nil
}

// generic turns b into maps and slices via protojson.
func generic(b *bootstrapv3.Bootstrap) (any, error) {
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("marshal bootstrap: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode bootstrap: %w", err)
	}
	return integers(v), nil
}

// integers replaces the json.Numbers in v by int64s where they are whole
// (all of Envoy's here are), so that YAML prints them as plain integers.
func integers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = integers(e)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
	}
	return v
}
