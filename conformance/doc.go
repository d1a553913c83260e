// Package conformance is meshbench's correctness suite: it proves that a
// mesh datapath (none, sidecar or ebpf) delivers TCP traffic the way the
// kernel's plain stack does before any of its benchmark numbers count.
//
// One local topology (two nodes, three pods each) carries every case
// against every requested mesh, same-node and cross-node, over IPv4 and
// IPv6. Each case is a row of a table (cases.go) that names what a user
// would see if it broke, runs under a time limit (a hang is a failure, not
// a stuck run) and is judged twice: by its own checks (checksums, order,
// errors, timing) and by the mesh's evidence, read before and after from
// the datapath's counters or the proxies' own statistics. A case that
// passed although the mesh never carried its bytes (the eBPF datapath
// fell back to the normal stack, or no proxy saw the connection) is
// reported as "pass (fallback)", never as a datapath pass.
//
// The test sockets live in this process but belong to the pods: each is
// created on a thread inside the pod's network namespace while the process
// sits in the pod's cgroup (sockets keep both for life), so the eBPF
// programs on the node cgroups and the sidecar capture rules treat them
// exactly like a pod's own. Moves between cgroups are serialised (see
// inPod); the datapath's kernel self-test, which moves the process too,
// runs under the same lock.
//
// Run returns a Report; WriteFiles stores it as conformance.json and
// conformance.md, and Matrix renders the pass/fail table the CLI prints.
package conformance
