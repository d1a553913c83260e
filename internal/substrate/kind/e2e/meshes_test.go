package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"testing"

	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/kubestep"
	"github.com/meshbench/meshbench/internal/substrate/kind/kindtest"
	"github.com/meshbench/meshbench/scenarios"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"
)

// meshFeature installs mode the way `meshbench run --substrate kind` does
// (kubestep; eBPF in probe mode no-splice, so that it is the socket
// redirect that gets checked on a kernel whose self-test would degrade
// it), drives load from a same-node Job through it, and while the Job's
// pod is held checks that its evidence proves the mode carried the
// traffic and that echoes from that pod come back byte-exact.
func meshFeature(mode string) features.Feature {
	return features.New(mode+" mesh").
		Assess("load through the mesh is proven by its evidence and echoes arrive byte-exact", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			be, err := kubestep.New(kubestep.Options{Cluster: cluster, Images: images,
				Sidecar: baseline.Options{Proxy: baseline.ProxyHAProxy, Workers: baseline.DefaultWorkers}, Probe: datapath.ProbeNoSplice})
			if err != nil {
				t.Fatal(err)
			}
			const conns = 2
			st, err := be.Prepare(ctx, mode, runner.KubeTarget{Placement: scenarios.PlacementSameNode, Protocol: scenarios.ProtocolTCP, Connections: conns})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := st.Remove(context.WithoutCancel(ctx)); err != nil {
					t.Error(err)
				}
			}()
			target := netip.AddrPortFrom(st.Server(), runner.TCPPort).String()
			out, err := st.Load(ctx, []string{"load", "--json", "--target", target, "--protocol", scenarios.ProtocolTCP,
				"--rate", "200", "--connections", strconv.Itoa(conns), "--duration", "2s", "--warmup", "500ms", "--payload-bytes", "1024"})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			rep := resultOf(t, out)
			if rep.Completed == 0 || rep.Errors != 0 {
				t.Fatalf("load through %s: %d completed, %d errors", mode, rep.Completed, rep.Errors)
			}
			before, err := st.Evidence(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if problems := st.Verify(before, rep.Completed); len(problems) > 0 {
				t.Errorf("%s evidence %v does not prove it carried the load: %v", mode, before, problems)
			}
			client := st.(interface{ ClientPod() string }).ClientPod()
			for _, size := range []int{1, 4096, 1 << 20} {
				if err := kindtest.EchoCheck(ctx, cluster, client, "load", st.Server(), size); err != nil {
					t.Error(err)
				}
			}
			after, err := st.Evidence(ctx)
			if err != nil {
				t.Fatal(err)
			}
			key := map[string]string{scenarios.MeshEBPF: "client_msgs_redirected", scenarios.MeshSidecar: "client_proxy_outbound_connections"}[mode]
			if after[key] <= before[key] {
				t.Errorf("the echoes did not go through the %s mesh: %s %d before, %d after", mode, key, before[key], after[key])
			}
			if err := st.Release(ctx); err != nil {
				t.Error(err)
			}
			return ctx
		}).
		Feature()
}

// resultOf reads event lines until the generator's result (the pod is
// held after it, so the stream does not end by itself).
func resultOf(t *testing.T, out interface{ Read([]byte) (int, error) }) *runner.LoadReport {
	t.Helper()
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var ev runner.Event
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == runner.EventResult && ev.Result != nil {
			return ev.Result
		}
	}
	t.Fatalf("load job ended without a result: %v", sc.Err())
	return nil
}

func TestMeshSidecar(t *testing.T) { testenv.Test(t, meshFeature(scenarios.MeshSidecar)) }

func TestMeshEBPF(t *testing.T) { testenv.Test(t, meshFeature(scenarios.MeshEBPF)) }
