package local

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg      Config
		wantName string
		wantErr  string // "" means valid
	}{
		{cfg: Config{Nodes: 1, PodsPerNode: 1}},
		{cfg: Config{Nodes: 16, PodsPerNode: 100}},
		{cfg: Config{Name: "default", Nodes: 2, PodsPerNode: 2}, wantName: ""},
		{cfg: Config{Name: "t1a2", Nodes: 2, PodsPerNode: 2}, wantName: "t1a2"},
		{cfg: Config{Name: "a-b-3", Nodes: 2, PodsPerNode: 2}, wantName: "a-b-3"},
		{cfg: Config{Name: strings.Repeat("x", 20), Nodes: 1, PodsPerNode: 1}, wantName: strings.Repeat("x", 20)},
		{cfg: Config{Nodes: 0, PodsPerNode: 1}, wantErr: "nodes = 0"},
		{cfg: Config{Nodes: 17, PodsPerNode: 1}, wantErr: "nodes = 17"},
		{cfg: Config{Nodes: -1, PodsPerNode: 1}, wantErr: "nodes = -1"},
		{cfg: Config{Nodes: 1, PodsPerNode: 0}, wantErr: "pods per node = 0"},
		{cfg: Config{Nodes: 1, PodsPerNode: 101}, wantErr: "pods per node = 101"},
		{cfg: Config{Name: strings.Repeat("x", 21), Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
		{cfg: Config{Name: "Upper", Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
		{cfg: Config{Name: "-lead", Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
		{cfg: Config{Name: "trail-", Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
		{cfg: Config{Name: "a/b", Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
		{cfg: Config{Name: "..", Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
		{cfg: Config{Name: "a_b", Nodes: 1, PodsPerNode: 1}, wantErr: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg.Name+"/"+tt.wantErr, func(t *testing.T) {
			got, err := tt.cfg.validate()
			if tt.wantErr == "" {
				if err != nil || got.Name != tt.wantName {
					t.Fatalf("validate(%+v) = %+v, %v; want name %q, no error", tt.cfg, got, err, tt.wantName)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("validate(%+v) error = %v, want ErrInvalidConfig mentioning %q", tt.cfg, err, tt.wantErr)
			}
		})
	}
}
