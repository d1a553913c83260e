package kindtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/internal/substrate/kind"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// EchoPort is the TCP echo port of `meshbench serve`.
const EchoPort = 7000

// ServerPod is a pod on node running `meshbench serve` from image, Ready
// once its TCP echo port accepts connections.
func ServerPod(name, node, image string) *corev1.Pod {
	c := corev1.Container{
		Name: "serve", Image: image, ImagePullPolicy: corev1.PullNever,
		Args:  []string{"serve"},
		Ports: []corev1.ContainerPort{{Name: "echo", ContainerPort: EchoPort}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(EchoPort)}},
			PeriodSeconds: 1,
		},
	}
	return pod(name, node, c)
}

// ClientPod is a pod on node that only sleeps: tests exec into it.
func ClientPod(name, node, image string) *corev1.Pod {
	return pod(name, node, corev1.Container{
		Name: "client", Image: image, ImagePullPolicy: corev1.PullNever,
		Command: []string{"sleep", "infinity"},
	})
}

func pod(name, node string, c corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/name": name}},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			Containers:                    []corev1.Container{c},
			TerminationGracePeriodSeconds: ptr.To[int64](1),
		},
	}
}

// echoScript connects to the echo server, sends its stdin and prints what
// comes back, reading and writing at once (bash's /dev/tcp: the image has
// no netcat).
const echoScript = `exec 3<>"/dev/tcp/$1/$2" || exit 1
head -c "$3" <&3 &
reader=$!
head -c "$3" >&3
wait "$reader"`

// EchoCheck sends one echo frame of payload random bytes from the client
// pod's container to server's TCP echo and checks that the same bytes come
// back, in order, no more and no fewer.
func EchoCheck(ctx context.Context, c *kind.Cluster, clientPod, container string, server netip.Addr, payload int) error {
	frame := make([]byte, 4+payload)
	binary.BigEndian.PutUint32(frame, uint32(payload))
	if _, err := rand.Read(frame[4:]); err != nil {
		return err
	}
	var stdout, stderr bytes.Buffer
	cmd := []string{"bash", "-c", echoScript, "echo", server.String(), strconv.Itoa(EchoPort), strconv.Itoa(len(frame))}
	if err := c.Exec(ctx, clientPod, container, cmd, bytes.NewReader(frame), &stdout, &stderr); err != nil {
		return fmt.Errorf("echo from %s to %s: %w (stderr: %s)", clientPod, server, err, stderr.String())
	}
	got := stdout.Bytes()
	if !bytes.Equal(got, frame) {
		first := 0
		for first < min(len(got), len(frame)) && got[first] == frame[first] {
			first++
		}
		return fmt.Errorf("echo from %s to %s: sent %d bytes, got %d back, first difference at byte %d", clientPod, server, len(frame), len(got), first)
	}
	return nil
}

// LoadJob is a Job on node running `meshbench <args>` from image.
func LoadJob(name, node, image string, args []string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			NodeName:   node,
			Containers: []corev1.Container{{Name: "load", Image: image, ImagePullPolicy: corev1.PullNever, Args: args}},
		}}},
	}
}

// Result reads a load generator's event lines (meshbench load --json) and
// returns its result; a stream that ends with an error, or without a
// result, is an error.
func Result(r io.Reader) (*runner.LoadReport, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var rep *runner.LoadReport
	var other []string
	for sc.Scan() {
		var ev runner.Event
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == runner.EventResult && ev.Result != nil {
			rep = ev.Result
		} else if len(other) < 20 {
			other = append(other, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("load job: %w (output: %q)", err, other)
	}
	if rep == nil {
		return nil, fmt.Errorf("load job printed no result (output: %q)", other)
	}
	return rep, nil
}
