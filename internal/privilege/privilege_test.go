package privilege

import (
	"strings"
	"testing"
)

func TestParseCapEff(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    uint64
		wantErr bool
	}{
		{"root", "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n", 0x1ffffffffff, false},
		{"none", "CapEff:\t0000000000000000\n", 0, false},
		{"net admin only", "CapEff:\t0000000000001000\n", 1 << CapNetAdmin, false},
		{"missing", "Name:\tx\n", 0, true},
		{"garbage", "CapEff:\tzz\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCapEff(strings.NewReader(tt.status))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseCapEff = %#x, %v; want %#x, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
