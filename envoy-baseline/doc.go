// Package baseline is meshbench's sidecar mesh mode: a proxy beside each
// meshed pod, its traffic captured the way istio-init captures it, so that
// benchmarks measure what an Istio-style sidecar mesh costs.
//
// Install starts one proxy per pod (Envoy where an envoy binary exists,
// otherwise HAProxy from the distribution), waits until each is ready, then
// captures the pod's TCP traffic into it: outbound connections to port
// 15001, inbound ones to 15006, the proxy's own UID (1337) and loopback
// exempt. Each proxy runs as UID 1337 in its own cgroup below the pod's, so
// its CPU and memory can be told apart from the application's. Counters
// reads the proxies' own request and connection counters, the evidence that
// traffic really went through them; Remove undoes everything.
//
// Sub-packages: intercept (the nftables capture rules) and envoyconfig (the
// Envoy bootstrap, built from Envoy's API types).
package baseline
