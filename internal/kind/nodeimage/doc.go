// Package nodeimage builds a kind node image offline, for machines that can
// reach the Go module proxy and a Debian mirror but no container registry.
//
// Build produces, in Docker, an image that sigs.k8s.io/kind accepts as a node
// image (the layout of kind's images/base Dockerfile: systemd as init,
// containerd, kubelet and kubeadm in /usr/bin, /kind/version) with every image
// kubeadm needs for that Kubernetes version already loaded into the node's
// containerd (namespace k8s.io), so kubeadm init never pulls. Nothing comes
// from a registry:
//
//   - the root filesystems come from debootstrap and the Debian mirror apt
//     uses on this host;
//   - kubelet, kubeadm, kubectl and the control-plane binaries are built from
//     k8s.io/kubernetes on the Go module proxy, in a generated module that
//     pins every k8s.io staging module to the matching v0.x release;
//   - etcd and CoreDNS are built from their modules at the versions kubeadm
//     names in cmd/kubeadm/app/constants; pause is compiled from the C source
//     shipped in the kubernetes module;
//   - kind's own node files (entrypoint, systemd units, containerd config)
//     are copied from the pinned sigs.k8s.io/kind module in the module cache.
//
// Every step keeps its output in a work directory and is skipped when that
// output exists, so a second Build takes seconds. A kindest/node image for
// the same version that is already in Docker is used as is.
//
// Build also produces meshbench/debian-base:bookworm, a minimal Debian image
// with iptables, nftables, iproute2 and HAProxy that the meshbench images use
// as their base.
package nodeimage
