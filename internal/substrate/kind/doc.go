// Package kind is the "kind" substrate: real Kubernetes clusters in Docker,
// created with the sigs.k8s.io/kind Go library from the configurations in
// kind-configs, and driven with client-go.
//
// Every cluster is called mb-<name>; its node containers (mb-<name>-
// control-plane, mb-<name>-worker) sit on one Docker network, mb-kind
// (198.19.209.0/24 and 2001:2:0:d1::/64), and its kubeconfig is written to
// /run/meshbench/kind-<name>.kubeconfig. Pods are single-stack IPv4: each
// cluster takes one address slot, a /21 of 198.19.128.0/18 for pods (a /24
// per node) and a /24 of 198.19.224.0/20 for services, so clusters that run
// side by side never overlap.
//
// No CNI image is reachable offline, so kind's default CNI is disabled and Up
// wires pod networking itself: on every node a CNI bridge (mb-cni0) with
// host-local addresses from the node's podCIDR, and a route to every other
// node's podCIDR via that node's address. All images come from the local
// Docker: the node image (meshbench/kind-node), and the meshbench and sidecar
// images that BuildImages builds and LoadImages copies into the nodes.
//
// Everything the substrate creates carries the mb- prefix or the
// app.kubernetes.io/managed-by=meshbench label, so DownAll removes all of it
// from names alone, also after a run killed with kill -9. The package never
// logs; it shells out to docker (as kind itself does), never to a kind binary.
package kind
