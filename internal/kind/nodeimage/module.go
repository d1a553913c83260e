package nodeimage

import (
	"context"
	"encoding/json"
	"fmt"
)

// moduleDir downloads mod@version through the Go module proxy (a no-op when
// it is in the module cache) and returns its directory there.
func moduleDir(ctx context.Context, modVersion string) (string, error) {
	out, err := command{env: []string{"GOWORK=off", "GOFLAGS=-mod=mod"}}.output(ctx, "go", "mod", "download", "-json", modVersion)
	if err != nil {
		return "", fmt.Errorf("download module %s from the Go module proxy: %w", modVersion, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return "", fmt.Errorf("go mod download -json %s: %w", modVersion, err)
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("download module %s: %s", modVersion, m.Error)
	}
	return m.Dir, nil
}
