package conformance

import (
	"slices"
	"time"
)

// Case is one row of the suite: what it checks, what a user would see if it
// broke, and the code that checks it. Run gets a fresh Env per mesh,
// placement and family; it returns nil when every check held, e.NA(...)
// when the case does not apply, or what went wrong.
type Case struct {
	Name   string
	Checks string
	Breaks string
	// Timeout bounds one run (default 10 s): running out is a hang.
	Timeout time.Duration
	// Meshes the case applies to; nil means all. Others get n/a with NA.
	Meshes []string
	NA     string
	// Splice marks cases that use splice(2) or sendfile(2) on mesh sockets,
	// so a failure is explained by the kernel self-test's splice finding.
	Splice bool
	Run    func(e *Env) error
}

const defaultTimeout = 10 * time.Second

func (c Case) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return defaultTimeout
}

// appliesTo returns "" when c runs on mesh, else why not.
func (c Case) appliesTo(mesh string) string {
	if c.Meshes == nil || slices.Contains(c.Meshes, mesh) {
		return ""
	}
	return c.NA
}

// Cases is the suite, in the order it runs and reports.
var Cases = []Case{
	{Name: "bytes-large-writes", Timeout: 60 * time.Second, Run: runLargeWrites,
		Checks: "1 B to 64 MiB in single writes, both directions at once, byte-exact (SHA-256)",
		Breaks: "downloads and uploads arrive truncated or corrupted, or large transfers stall"},
	{Name: "bytes-small-writes", Timeout: 20 * time.Second, Run: runSmallWrites,
		Checks: "1 MiB each way in writes of 1-97 bytes, coalesced by a reader with a large buffer",
		Breaks: "chatty protocols (Redis, SQL, gRPC streams) lose or reorder bytes"},
	{Name: "ordering", Timeout: 20 * time.Second, Run: runOrdering,
		Checks: "16 connections x 200 framed messages at once, echoed; every frame in order on its own connection",
		Breaks: "responses reach the wrong connection or arrive out of order under load"},
	{Name: "half-close", Run: runHalfClose,
		Checks: "shutdown(SHUT_WR) delivers all data then EOF while the peer keeps sending, which all arrives",
		Breaks: "clients that half-close (HTTP/1.0, netcat, rsync) lose the end of the response or hang"},
	{Name: "reset", Run: runReset,
		Checks: "an abortive close (SO_LINGER 0, RST) is an error (ECONNRESET) on the peer, both directions",
		Breaks: "a crashed or aborting peer looks like a clean end of stream: truncated data is taken as complete"},
	{Name: "graceful-close", Run: runGracefulClose,
		Checks: "close(2) right after writing 64 KiB and 4 MiB: the reader still gets every byte, then EOF",
		Breaks: "the tail of a response written just before close is lost"},
	{Name: "wakeup", Run: runWakeup,
		Checks: "a reader blocked in Go's netpoller and one in epoll_wait wake on data, and on EOF",
		Breaks: "servers and clients hang forever although the data has arrived"},
	{Name: "blocking-read", Run: runBlockingRead,
		Checks: "a thread blocked in read(2) on a blocking socket, signalled 5 times while it waits, gets the data, then 0 at the peer's close",
		Breaks: "programs reading blocking sockets (C, Python, Java's classic I/O) fail with EAGAIN (Python: BlockingIOError) whenever a signal arrives while they wait"},
	{Name: "fionread", Run: runFIONREAD,
		Checks: "ioctl(FIONREAD) on the raw fd reports pending bytes, also after a partial read and for bytes sent after the reader's half-close",
		Breaks: "event loops that size reads by FIONREAD (libuv, Java NIO) stall or read nothing"},
	{Name: "nonblocking", Run: runNonblocking,
		Checks: "a non-blocking read returns EAGAIN with nothing queued, then the data, then EAGAIN again",
		Breaks: "event-driven servers spin, block or see phantom EOFs"},
	{Name: "splice-relay", Splice: true, Timeout: 5 * time.Second, Run: runSpliceRelay,
		Checks: "a relay pod copies client to server and back with Go's io.Copy between TCP connections (splice(2))",
		Breaks: "every Go TCP proxy or port forwarder in the mesh hangs on its first byte"},
	{Name: "sendfile", Splice: true, Run: runSendfile,
		Checks: "a file served with io.Copy(conn, file) (sendfile(2)) arrives byte-exact",
		Breaks: "static file servers send truncated or corrupted files"},
	{Name: "splice-to-file", Splice: true, Run: runSpliceToFile,
		Checks: "a download saved with io.Copy(file, conn) (splice(2) from the socket) is byte-exact",
		Breaks: "clients saving downloads to disk hang, or keep a truncated file as if complete"},
	{Name: "dual-stack", Run: runDualStack,
		Checks: "a [::] listener accepts the family's client and carries data both ways",
		Breaks: "services listening on [::] refuse or mangle IPv4 clients"},
	{Name: "port-reuse", Run: runPortReuse,
		Checks: "the same 4-tuple is connected 20 times in a row while the server side sits in TIME_WAIT",
		Breaks: "clients with fixed source ports fail to reconnect, or get the previous connection's state"},
	{Name: "churn", Timeout: 30 * time.Second, Run: runChurn,
		Checks: "200 short connections one after another; the datapath's flow map is empty afterwards",
		Breaks: "the mesh leaks state per connection until it runs out and stops accelerating or connecting"},
	{Name: "policy", Meshes: []string{MeshEBPF}, NA: "no policy in this mesh", Run: runPolicy,
		Checks: "a denied pair is refused at connect, an allowed pair works, a changed policy applies to new connections",
		Breaks: "denied workloads can talk, or allowed ones are cut off"},
	{Name: "isolation", Run: runIsolation,
		Checks: "pods using the same ports, and sockets reusing another pod's address and 4-tuple, get only their own bytes",
		Breaks: "one pod receives another pod's traffic: a data leak across tenants"},
	{Name: "lifecycle", Timeout: 40 * time.Second, Meshes: []string{MeshSidecar, MeshEBPF}, NA: "nothing to remove", Run: runLifecycle,
		Checks: "the mesh is removed and re-added under live traffic: no hang, no corruption, new connections work throughout",
		Breaks: "upgrading or restarting the mesh hangs or corrupts live connections"},
	{Name: "capacity", Timeout: 40 * time.Second, Meshes: []string{MeshEBPF}, NA: "no flow map", Run: runCapacity,
		Checks: "more connections than the flow map holds: the extra ones take the normal path and all stay byte-exact",
		Breaks: "once the datapath's maps are full, new connections fail instead of working unaccelerated"},
}
