package cgroupv2

import "testing"

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{"Name:\tsleep\nVmRSS:\t    1234 kB\nRssAnon:\t 1 kB\n", 1234 * 1024, false},
		{"Name:\tkthreadd\nState:\tS\n", 0, false},
		{"VmRSS:\t12 MB\n", 0, true},
		{"VmRSS:\tx kB\n", 0, true},
	}
	for _, tt := range tests {
		got, err := parseVmRSS([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseVmRSS(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
