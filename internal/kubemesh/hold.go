package kubemesh

// holdScript runs meshbench with the container's arguments, then waits
// for the release file before it exits with meshbench's status: the pod,
// and a sidecar beside it, stay up until the harness has read the mesh's
// counters (LoadOptions.Hold).
const holdScript = `meshbench "$@"; rc=$?; until [ -e ` + gateDir + `/release ]; do sleep 0.1; done; exit $rc`

// ReleaseCommand, run in the load container of a held Job's pod, lets it
// exit.
func ReleaseCommand() []string { return []string{"touch", gateDir + "/release"} }
