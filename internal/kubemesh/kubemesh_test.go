package kubemesh

import (
	"encoding/json"
	"errors"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/meshbench/meshbench/datapath"
	baseline "github.com/meshbench/meshbench/envoy-baseline"
	"github.com/meshbench/meshbench/internal/golden"
	"github.com/meshbench/meshbench/internal/kubemesh/agent"
)

var (
	mbImage      = MeshbenchImage("dev")
	sidecarImage = SidecarImage("dev")
	sidecarOpts  = SidecarOptions{InitImage: mbImage, ProxyImage: sidecarImage, ConfigMap: "meshbench-proxy", ExcludeOutboundPorts: []int{5432}}
)

func server(t *testing.T, mode string) *corev1.Pod {
	t.Helper()
	p, err := ServerPod(ServerOptions{Name: "mb-server", Node: "mb-kubemesh-worker", Mode: mode, Image: mbImage})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkGolden(t *testing.T, name string, obj any) {
	t.Helper()
	b, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", name+".yaml.golden"), b)
}

// TestGolden keeps every generated object reviewable as the YAML kubectl
// would show.
func TestGolden(t *testing.T) {
	job, err := LoadJob(LoadOptions{
		Name: "mb-load", Node: "mb-kubemesh-worker2", Mode: "ebpf", Image: mbImage, Gate: true,
		Args: []string{"load", "--json", "--target", "198.18.1.5:7000", "--rate", "1000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sidecarJob, err := LoadJob(LoadOptions{Name: "mb-load", Node: "mb-kubemesh-worker", Mode: "sidecar", Image: mbImage, Args: []string{"load", "--json"}, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := InjectSidecarJob(sidecarJob, sidecarOpts); err != nil {
		t.Fatal(err)
	}
	injected := server(t, "sidecar")
	if err := InjectSidecar(injected, sidecarOpts); err != nil {
		t.Fatal(err)
	}
	ds, err := DatapathDaemonSet(DatapathOptions{Cluster: "mb-kubemesh", Image: mbImage, EndpointsConfigMap: "meshbench-endpoints", Probe: datapath.ProbeNoSplice})
	if err != nil {
		t.Fatal(err)
	}
	eps, err := EndpointsConfigMap("meshbench-endpoints", []agent.Endpoint{
		{Name: "mb-server", IPv4: netip.MustParseAddr("198.18.1.5"), Node: "mb-kubemesh-worker"},
		{Name: "mb-load", IPv4: netip.MustParseAddr("198.18.2.7"), Node: "mb-kubemesh-worker2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := SidecarConfigMap("meshbench-proxy", baseline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, obj := range map[string]any{
		"server_pod":          server(t, "none"),
		"load_job_gated":      job,
		"server_pod_sidecar":  injected,
		"load_job_sidecar":    sidecarJob,
		"datapath_daemonset":  ds,
		"endpoints_configmap": eps,
		"sidecar_configmap":   cm,
	} {
		t.Run(name, func(t *testing.T) { checkGolden(t, name, obj) })
	}
}

// TestInjectSidecar checks what an injected pod must have for capture to
// work and be safe, independently of the golden files.
func TestInjectSidecar(t *testing.T) {
	p := server(t, "sidecar")
	if err := InjectSidecar(p, sidecarOpts); err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.InitContainers) != 2 || p.Spec.InitContainers[0].Name != InitContainer || p.Spec.InitContainers[1].Name != ProxyContainer {
		t.Fatalf("init containers %v, want %s then %s", names(p.Spec.InitContainers), InitContainer, ProxyContainer)
	}
	init, proxy := p.Spec.InitContainers[0], p.Spec.InitContainers[1]

	sc := init.SecurityContext
	if got := sc.Capabilities.Add; !reflect.DeepEqual(got, []corev1.Capability{"NET_ADMIN", "NET_RAW"}) {
		t.Errorf("init capabilities add %v, want NET_ADMIN and NET_RAW", got)
	}
	if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || *sc.Privileged || *sc.RunAsUser != 0 || *sc.AllowPrivilegeEscalation {
		t.Errorf("init security context %+v: want root, not privileged, everything else dropped", sc)
	}
	args := strings.Join(init.Args, " ")
	for _, want := range []string{"sidecar-init", "--proxy-uid 1337", "--inbound-port 15006", "--outbound-port 15001", "--exclude-inbound-ports 15021", "--exclude-outbound-ports 5432"} {
		if !strings.Contains(args, want) {
			t.Errorf("init args %q lack %q", args, want)
		}
	}

	if proxy.RestartPolicy == nil || *proxy.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Error("proxy is not a native sidecar (restartPolicy Always): a Job's pod would never complete")
	}
	ps := proxy.SecurityContext
	if *ps.RunAsUser != int64(ProxyUID) || !*ps.RunAsNonRoot || len(ps.Capabilities.Add) != 0 {
		t.Errorf("proxy security context %+v: want UID %d, no capability", ps, ProxyUID)
	}
	if proxy.StartupProbe == nil || proxy.StartupProbe.HTTPGet == nil || proxy.StartupProbe.HTTPGet.Port.IntValue() != baseline.KubeHealthPort {
		t.Errorf("proxy startup probe %+v: want HTTP on the health port, which capture excludes", proxy.StartupProbe)
	}

	app := p.Spec.Containers[0]
	if rp := app.ReadinessProbe; rp.TCPSocket != nil || rp.Exec == nil || !strings.Contains(strings.Join(rp.Exec.Command, " "), "/dev/tcp/127.0.0.1/7000") {
		t.Errorf("app readiness probe %+v: want a loopback exec probe (the kubelet's connections would be proxied and counted)", rp)
	}
	var st sidecarStatus
	if err := json.Unmarshal([]byte(p.Annotations[AnnotationSidecar]), &st); err != nil {
		t.Fatalf("annotation %s: %v", AnnotationSidecar, err)
	}
	if st.ProxyUID != 1337 || st.InboundPort != 15006 || st.OutboundPort != 15001 || !slices.Equal(st.ExcludeInboundPorts, []int{15021}) {
		t.Errorf("annotation %+v", st)
	}
}

// TestInjectSidecarIdempotent: a second injection with the same options
// changes nothing; with others it is refused and changes nothing either.
func TestInjectSidecarIdempotent(t *testing.T) {
	p := server(t, "sidecar")
	if err := InjectSidecar(p, sidecarOpts); err != nil {
		t.Fatal(err)
	}
	once := p.DeepCopy()
	if err := InjectSidecar(p, sidecarOpts); err != nil {
		t.Fatalf("second injection: %v", err)
	}
	if !reflect.DeepEqual(p, once) {
		t.Error("a second injection with the same options changed the pod")
	}
	other := sidecarOpts
	other.ExcludeInboundPorts = []int{9090}
	if err := InjectSidecar(p, other); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "already injected with other options") {
		t.Errorf("injection with other options: %v", err)
	}
	if !reflect.DeepEqual(p, once) {
		t.Error("a refused injection changed the pod")
	}
	// A pod someone else gave a container of the same name.
	q := server(t, "sidecar")
	q.Spec.InitContainers = []corev1.Container{{Name: ProxyContainer}}
	if err := InjectSidecar(q, sidecarOpts); err == nil || !strings.Contains(err.Error(), "already has a container named meshbench-proxy") {
		t.Errorf("injection over a foreign meshbench-proxy: %v", err)
	}
}

func TestBuildersReject(t *testing.T) {
	good := ServerOptions{Name: "mb-server", Node: "n1", Mode: "none", Image: mbImage}
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"server bad name", func() error { o := good; o.Name = "MB_server"; _, err := ServerPod(o); return err }, `server name "MB_server"`},
		{"server no node", func() error { o := good; o.Node = ""; _, err := ServerPod(o); return err }, `server node ""`},
		{"server bad mode", func() error { o := good; o.Mode = "linkerd"; _, err := ServerPod(o); return err }, `mode "linkerd"`},
		{"server no image", func() error { o := good; o.Image = ""; _, err := ServerPod(o); return err }, `server image ""`},
		{"server bad port", func() error { o := good; o.ReadinessPort = 70000; _, err := ServerPod(o); return err }, "readiness port 70000"},
		{"load no args", func() error {
			_, err := LoadJob(LoadOptions{Name: "l", Node: "n1", Mode: "none", Image: mbImage})
			return err
		}, "load args"},
		{"sidecar bad port", func() error {
			o := sidecarOpts
			o.ExcludeInboundPorts = []int{0}
			return InjectSidecar(server(t, "sidecar"), o)
		}, "exclude inbound ports: port 0"},
		{"sidecar no config map", func() error {
			o := sidecarOpts
			o.ConfigMap = ""
			return InjectSidecar(server(t, "sidecar"), o)
		}, "sidecar config map"},
		{"sidecar mtls", func() error { _, err := SidecarConfigMap("c", baseline.Options{MTLS: true}); return err }, "mtls"},
		{"daemonset long cluster", func() error {
			_, err := DatapathDaemonSet(DatapathOptions{Cluster: strings.Repeat("c", 43), Image: mbImage, EndpointsConfigMap: "e"})
			return err
		}, "too long for an instance name"},
		{"daemonset one flow", func() error {
			_, err := DatapathDaemonSet(DatapathOptions{Cluster: "mb", Image: mbImage, EndpointsConfigMap: "e", MaxFlows: 1})
			return err
		}, "datapath max flows 1: want 2-65536"},
		{"daemonset too many flows", func() error {
			_, err := DatapathDaemonSet(DatapathOptions{Cluster: "mb", Image: mbImage, EndpointsConfigMap: "e", MaxFlows: datapath.DefaultMaxFlows * 2})
			return err
		}, "datapath max flows 131072"},
		{"endpoints duplicate", func() error {
			a := netip.MustParseAddr("198.18.0.1")
			_, err := EndpointsConfigMap("e", []agent.Endpoint{{Name: "a", IPv4: a}, {Name: "b", IPv4: a}})
			return err
		}, "endpoints[1].ipv4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, baseline.ErrInvalidOptions) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an invalid-options error containing %q", err, tt.want)
			}
		})
	}
}

// TestAgentInstance: the instance the harness computes is the one the
// DaemonSet's pod gets once the kubelet expands $(NODE_NAME), and it is a
// valid datapath instance for kind's node names.
func TestAgentInstance(t *testing.T) {
	ds, err := DatapathDaemonSet(DatapathOptions{Cluster: "mb-kubemesh", Image: mbImage, EndpointsConfigMap: "e"})
	if err != nil {
		t.Fatal(err)
	}
	c := ds.Spec.Template.Spec.Containers[0]
	i := slices.Index(c.Args, "--instance")
	if i < 0 || c.Env[0].Name != "NODE_NAME" || c.Env[0].ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
		t.Fatalf("agent args %v, env %v: want --instance with $(NODE_NAME) from spec.nodeName", c.Args, c.Env)
	}
	for _, node := range []string{"mb-kubemesh-control-plane", "mb-kubemesh-worker2"} {
		expanded := strings.ReplaceAll(c.Args[i+1], "$(NODE_NAME)", node)
		if want := AgentInstance("mb-kubemesh", node); expanded != want {
			t.Errorf("node %s: pod instance %q, harness instance %q", node, expanded, want)
		}
		if err := (agent.Config{Instance: expanded, EndpointsFile: "/e"}).Validate(); err != nil {
			t.Errorf("node %s: %v", node, err)
		}
	}
	if AgentInstance("default", "n") == "mb-default" || strings.HasPrefix(AgentInstance("x", "y"), "mb-") {
		t.Error("agent instances share the local substrate's namespace (mb-<cluster>)")
	}
}

// TestDatapathMaxFlows: a flow-map size reaches the agents as the
// variable the agent reads, one it accepts; without one the agents get no
// variable and keep the datapath's default.
func TestDatapathMaxFlows(t *testing.T) {
	envOf := func(o DatapathOptions) map[string]string {
		t.Helper()
		ds, err := DatapathDaemonSet(o)
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{}
		for _, e := range ds.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
		return env
	}
	o := DatapathOptions{Cluster: "mb-kubemesh", Image: mbImage, EndpointsConfigMap: "e"}
	if v, ok := envOf(o)[agent.MaxFlowsEnv]; ok {
		t.Errorf("default size: %s=%q set, want it unset", agent.MaxFlowsEnv, v)
	}
	o.MaxFlows = 16
	env := envOf(o)
	if env[agent.MaxFlowsEnv] != "16" {
		t.Fatalf("MaxFlows 16: env %v, want %s=16", env, agent.MaxFlowsEnv)
	}
	cfg, err := agent.Config{Instance: AgentInstance("mb-kubemesh", "n"), EndpointsFile: "/e"}.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil || cfg.MaxFlows != 16 {
		t.Errorf("the agent reads the DaemonSet's variable as %d, %v; want 16", cfg.MaxFlows, err)
	}
}

func names(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}
