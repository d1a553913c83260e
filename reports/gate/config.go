// Package gate compares two results files, benchstat style, and decides
// whether the second regressed: a change fails the gate only when it is both
// significant (Mann-Whitney U test) and beyond the tolerance the gate file
// allows for its metric.
package gate

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/meshbench/meshbench/reports/sample"
	"github.com/meshbench/meshbench/reports/stats"
)

// Tolerance is how much worse a metric may get: Limit 0.10 allows a 10% rise
// of a lower-is-better metric or a 10% drop of a higher-is-better one.
type Tolerance struct {
	Limit float64
	Off   bool // the metric is reported but never fails the gate
}

// String writes the tolerance as a gate file does: "+10%", "-10%" or "off".
func (t Tolerance) String(m sample.Metric) string {
	if t.Off {
		return "off"
	}
	sign := "+"
	if m.HigherIsBetter {
		sign = "-"
	}
	return sign + strconv.FormatFloat(100*t.Limit, 'f', -1, 64) + "%"
}

// Config is a gate: tolerances per metric, optionally overridden per
// scenario, and the significance level.
type Config struct {
	Source     string // the gate file, or "built-in defaults"
	Alpha      float64
	Tolerances map[string]Tolerance
	Scenarios  map[string]map[string]Tolerance
}

// Default is the gate compare uses without a gate file.
func Default() Config {
	return Config{Source: "built-in defaults", Alpha: stats.Alpha, Tolerances: map[string]Tolerance{
		"p50": {Limit: 0.10}, "p99": {Limit: 0.20}, "rate": {Limit: 0.05}, "max_rps": {Limit: 0.10},
		"throughput": {Limit: 0.10}, "connections_per_s": {Limit: 0.10}, "cpu_per_krps": {Limit: 0.15},
	}}
}

// For returns the tolerance of a metric in a scenario, if the gate has one.
func (c Config) For(scenario, metric string) (Tolerance, bool) {
	if t, ok := c.Scenarios[scenario][metric]; ok {
		return t, true
	}
	t, ok := c.Tolerances[metric]
	return t, ok
}

// Describe lists the tolerances in metric order: "p50 +10%, p99 +10%".
func (c Config) Describe() string {
	var parts []string
	for _, m := range sample.Metrics {
		if t, ok := c.Tolerances[m.Name]; ok {
			parts = append(parts, m.Name+" "+t.String(m))
		}
	}
	for _, sc := range sortedKeys(c.Scenarios) {
		for _, m := range sample.Metrics {
			if t, ok := c.Scenarios[sc][m.Name]; ok {
				parts = append(parts, sc+"/"+m.Name+" "+t.String(m))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// Load reads a gate file strictly: unknown fields, duplicate fields and
// malformed or wrongly signed tolerances are errors naming the file, line
// and field.
//
//	p99: +10%            # lower is better: may rise at most 10%
//	throughput: -10%     # higher is better: may drop at most 10%
//	cpu_per_krps: off    # shown, never fails
//	alpha: 0.05          # significance level (default 0.05)
//	scenarios:           # per-scenario overrides
//	  smoke: {p99: +20%}
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, fmt.Errorf("%s: not YAML: %w", path, err)
	}
	c := Config{Source: path, Alpha: stats.Alpha, Tolerances: map[string]Tolerance{}, Scenarios: map[string]map[string]Tolerance{}}
	if len(doc.Content) == 0 {
		return c, fmt.Errorf("%s: empty gate file: expected tolerances such as \"p99: +10%%\"", path)
	}
	errf := func(n *yaml.Node, field, format string, args ...any) error {
		return fmt.Errorf("%s: line %d: field %s: %s", path, n.Line, field, fmt.Sprintf(format, args...))
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return c, errf(root, "(top level)", "expected a mapping of metric names to tolerances")
	}
	err = eachField(root, "", errf, func(key, val *yaml.Node) error {
		switch key.Value {
		case "alpha":
			a, err := strconv.ParseFloat(val.Value, 64)
			if val.Kind != yaml.ScalarNode || err != nil || a <= 0 || a >= 0.5 {
				return errf(val, "alpha", "expected a significance level between 0 and 0.5 such as 0.05, got %q", val.Value)
			}
			c.Alpha = a
			return nil
		case "scenarios":
			if val.Kind != yaml.MappingNode {
				return errf(val, "scenarios", "expected a mapping of scenario names to tolerances")
			}
			return eachField(val, "scenarios.", errf, func(sk, sv *yaml.Node) error {
				if sv.Kind != yaml.MappingNode {
					return errf(sv, "scenarios."+sk.Value, "expected a mapping of metric names to tolerances")
				}
				c.Scenarios[sk.Value] = map[string]Tolerance{}
				return eachField(sv, "scenarios."+sk.Value+".", errf, func(mk, mv *yaml.Node) error {
					return tolerance(mk, mv, "scenarios."+sk.Value+"."+mk.Value, c.Scenarios[sk.Value], errf)
				})
			})
		}
		return tolerance(key, val, key.Value, c.Tolerances, errf)
	})
	return c, err
}

type errfFunc func(n *yaml.Node, field, format string, args ...any) error

// eachField calls fn for each key and value of a mapping, rejecting
// duplicate keys.
func eachField(m *yaml.Node, prefix string, errf errfFunc, fn func(k, v *yaml.Node) error) error {
	seen := map[string]bool{}
	var errs []error
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if seen[k.Value] {
			errs = append(errs, errf(k, prefix+k.Value, "given twice"))
			continue
		}
		seen[k.Value] = true
		errs = append(errs, fn(k, v))
	}
	return errors.Join(errs...)
}

// tolerance parses one "metric: +10%" field into into.
func tolerance(key, val *yaml.Node, field string, into map[string]Tolerance, errf errfFunc) error {
	m, ok := sample.MetricByName(key.Value)
	if !ok {
		return errf(key, field, "unknown metric %q (known: %s; also alpha and scenarios)", key.Value, strings.Join(sample.Names(), ", "))
	}
	sign, want := "+", "a rise such as +10%"
	if m.HigherIsBetter {
		sign, want = "-", "a drop such as -10%"
	}
	s := strings.TrimSpace(val.Value)
	if val.Kind != yaml.ScalarNode {
		return errf(val, field, "expected %s or off", want)
	}
	if s == "off" {
		into[m.Name] = Tolerance{Off: true}
		return nil
	}
	num, okSign := strings.CutPrefix(s, sign)
	num, okPct := strings.CutSuffix(num, "%")
	v, err := strconv.ParseFloat(num, 64)
	if !okSign || !okPct || err != nil || v < 0 {
		better := "lower"
		if m.HigherIsBetter {
			better = "higher"
		}
		return errf(val, field, "%s is better, so its tolerance is %s (or off), got %q", better, want, s)
	}
	into[m.Name] = Tolerance{Limit: v / 100}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
