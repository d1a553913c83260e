package cgroupv2

import (
	"strings"
	"testing"
)

func TestParseCPUStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    CPUStat
		wantErr string
	}{
		{name: "no controller", in: "usage_usec 27226575\nuser_usec 16371718\nsystem_usec 10854857\nnice_usec 0\n",
			want: CPUStat{UsageUsec: 27226575, UserUsec: 16371718, SystemUsec: 10854857}},
		{name: "cpu controller fields ignored",
			in:   "usage_usec 10\nuser_usec 6\nsystem_usec 4\ncore_sched.force_idle_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n",
			want: CPUStat{UsageUsec: 10, UserUsec: 6, SystemUsec: 4}},
		{name: "zero", in: "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"},
		{name: "missing system", in: "usage_usec 1\nuser_usec 1\n", wantErr: "missing system_usec"},
		{name: "empty", in: "", wantErr: "missing system_usec, usage_usec, user_usec"},
		{name: "bad number", in: "usage_usec x\nuser_usec 1\nsystem_usec 1\n", wantErr: "usage_usec"},
		{name: "negative", in: "usage_usec -1\nuser_usec 1\nsystem_usec 1\n", wantErr: "usage_usec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCPUStat(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCPUStat = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
