package conformance

// EBPFProbe is the probe mode the eBPF datapath was checked in ("" when
// ebpf was not checked): a datapath run in another mode is not the one
// this report vouches for.
func (r *Report) EBPFProbe() string {
	return r.mesh(MeshEBPF).Info["probe"]
}
