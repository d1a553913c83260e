package kubemesh

import (
	"slices"
	"testing"
)

func TestHeldLoadWrapsTheGeneratorAndMountsTheGate(t *testing.T) {
	job, err := LoadJob(LoadOptions{Name: "load-1", Node: "n1", Mode: "none", Image: "meshbench/meshbench:x", Args: []string{"load", "--json"}, Gate: true, Hold: true})
	if err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Command, []string{"sh", "-c", holdScript, "meshbench"}) || !slices.Equal(c.Args, []string{"load", "--json"}) {
		t.Errorf("load container: command %q args %q", c.Command, c.Args)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != gateDir {
		t.Errorf("load container mounts %v: want the gate once at %s", c.VolumeMounts, gateDir)
	}
	if got := ReleaseCommand(); got[len(got)-1] != gateDir+"/release" {
		t.Errorf("release command %q does not touch the file the hold waits for", got)
	}
}

func TestHoldNeedsAGate(t *testing.T) {
	_, err := LoadJob(LoadOptions{Name: "load-1", Node: "n1", Mode: "none", Image: "meshbench/meshbench:x", Args: []string{"load"}, Hold: true})
	if err == nil {
		t.Error("an ungated job was held: it could never be told to go")
	}
}
