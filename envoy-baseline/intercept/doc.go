// Package intercept captures a meshed pod's TCP traffic for its sidecar
// proxy, the way istio-init does, with nftables rules installed over netlink
// inside the pod's network namespace (no iptables binary involved).
//
// Outbound connections from the application go to the proxy's outbound
// port (15001) and inbound connections from other pods go to its inbound
// port (15006). Left alone are: connections of the proxy's own UID (1337),
// so the proxy's upstream connections do not loop back into it; everything
// on the loopback interface; and the excluded ports of each direction. The
// proxy's own ports are always excluded from inbound capture, so a
// connection addressed to them can never loop.
//
// Each address family is captured in one of two ways (see Mode):
//
//   - Redirect: NAT REDIRECT, exactly as istio-init does. The proxy reads
//     the original destination with getsockopt(SO_ORIGINAL_DST) (IPv4) or
//     IP6T_SO_ORIGINAL_DST (IPv6). Envoy reads both; HAProxy only the IPv4
//     one.
//   - TProxy: the packets keep their destination and are handed to the
//     proxy's transparent listener (IP_TRANSPARENT), whose accepted socket's
//     local address is the original destination. Outbound packets are marked
//     and routed through loopback by a policy rule (fwmark -> table with a
//     local default route) so that they reach the prerouting hook. This is
//     how HAProxy gets IPv6 original destinations.
//
// Everything lives in one table per family named "meshbench" (plus, for
// TProxy, one policy rule and one route per family), so removal deletes
// exactly what Install added. Deleting the namespace removes it all too.
package intercept
