package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{
		Target: "127.0.0.1:8080", Protocol: "tcp", Rate: 100, Connections: 2,
		Duration: time.Second, Warmup: time.Second, PayloadBytes: 64, Timeout: time.Second,
	}
}

func TestValidate(t *testing.T) {
	good := validConfig()
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for _, c := range []struct {
		name   string
		mutate func(*Config)
		want   string // the message must start with the field name and say this
	}{
		{"no target", func(c *Config) { c.Target = "" }, "target: required"},
		{"target without port", func(c *Config) { c.Target = "127.0.0.1" }, "target: must be host:port"},
		{"target without host", func(c *Config) { c.Target = ":80" }, "target: needs a host"},
		{"target bad port", func(c *Config) { c.Target = "h:99999" }, "target: port must be 1-65535"},
		{"protocol", func(c *Config) { c.Protocol = "udp" }, `protocol: must be "tcp", "http" or "stream", got "udp"`},
		{"stream rate", func(c *Config) { c.Protocol = "stream"; c.Rate = 5 }, "rate: must be 0 for a stream"},
		{"stream size", func(c *Config) { c.Protocol = "stream"; c.Rate = 0; c.PayloadBytes = 0 }, "payload_bytes: must be at least 1 for a stream"},
		{"stream churn", func(c *Config) { c.Protocol = "stream"; c.Rate = 0; c.Churn = true }, "churn: does not apply to a stream"},
		{"negative rate", func(c *Config) { c.Rate = -5 }, "rate: must be > 0 (or 0 for closed loop), got -5"},
		{"NaN rate", func(c *Config) { c.Rate = math.NaN() }, "rate: must be > 0"},
		{"connections", func(c *Config) { c.Connections = 0 }, "connections: must be >= 1, got 0"},
		{"duration", func(c *Config) { c.Duration = -time.Second }, "duration: must be > 0, got -1s"},
		{"warmup", func(c *Config) { c.Warmup = -time.Second }, "warmup: must be >= 0, got -1s"},
		{"negative payload", func(c *Config) { c.PayloadBytes = -1 }, "payload_bytes: must be between 0 and"},
		{"huge payload", func(c *Config) { c.PayloadBytes = 1 << 30 }, "payload_bytes: must be between 0 and 67108864 for tcp, got 1073741824"},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "timeout: must be > 0, got 0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.mutate(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatalf("Validate accepted %+v", cfg)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %q, want it to start with %q", err, c.want)
			}
		})
	}
}

func TestValidateReportsEveryField(t *testing.T) {
	err := (&Config{Rate: -1, Connections: -1}).Validate()
	if err == nil {
		t.Fatal("empty config accepted")
	}
	for _, field := range []string{"target:", "protocol:", "rate:", "connections:", "duration:", "timeout:"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not mention %s", err, field)
		}
	}
}

func TestNormalizeFillsDefaults(t *testing.T) {
	cfg := Config{Target: "h:1", Protocol: "http"}
	cfg.Normalize()
	if cfg.Connections != DefaultConnections || cfg.Duration != DefaultDuration || cfg.Timeout != DefaultTimeout {
		t.Fatalf("Normalize left %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("normalised config invalid: %v", err)
	}
}
