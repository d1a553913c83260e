package kubemesh

import (
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// holdScript runs meshbench with the container's arguments, then waits
// for the release file before it exits with meshbench's status: the pod,
// and a sidecar beside it, stay up until the harness has read the mesh's
// counters.
const holdScript = `meshbench "$@"; rc=$?; until [ -e ` + gateDir + `/release ]; do sleep 0.1; done; exit $rc`

// ReleaseCommand, run in the load container of a held Job's pod, lets it
// exit.
func ReleaseCommand() []string { return []string{"touch", gateDir + "/release"} }

// HoldLoad makes a gated load Job (LoadJob with Gate) keep its pod after
// the generator finished, until ReleaseCommand runs in its "load"
// container.
func HoldLoad(job *batchv1.Job) error {
	spec := &job.Spec.Template.Spec
	if !slices.ContainsFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == gateVolume }) {
		return invalid("hold load job %s: not gated (LoadOptions.Gate)", job.Name)
	}
	i := slices.IndexFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == "load" })
	if i < 0 {
		return invalid("hold load job %s: no load container", job.Name)
	}
	c := &spec.Containers[i]
	if slices.Equal(c.Command, []string{"sh", "-c", holdScript, "meshbench"}) {
		return nil
	}
	c.Command = []string{"sh", "-c", holdScript, "meshbench"}
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: gateVolume, MountPath: gateDir})
	return nil
}
