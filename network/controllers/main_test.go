package controllers_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network"
	"github.com/spherekit/spherekit/network/controllers"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// env is a control plane with kube-controller-manager (one simulated node),
// so the garbage collector removes native policies with their
// NamespaceNetworkPolicy. Both network reconcilers run in its manager with
// allowedNamespace as the one namespace every isolated project admits.
//
// No network plugin runs here: the tests check the NetworkPolicies the API
// server stores (KubeSphere's exact specs), not packets.
var env *testenv.Environment

const allowedNamespace = "ingress-allowed"

// snatIPs is what SetupEnv puts in the node's SNAT annotation: unsorted,
// with an IPv6 address and one that does not parse, so every isolation
// policy carries the same sorted node rule.
const snatIPs = "10.0.0.2;fd00::1;not-an-ip;10.0.0.1"

// nodeRule is the ingress rule snatIPs gives.
var nodeRule = networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{
	{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.1/32"}},
	{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.2/32"}},
	{IPBlock: &networkingv1.IPBlock{CIDR: "fd00::1/128"}},
}}

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M:       m,
		Options: testenv.Options{Nodes: 1},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{
				AllowedIngressNamespaces: []string{allowedNamespace},
			})
		},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) error {
			env = e
			var nodes corev1.NodeList
			if err := e.Client.List(ctx, &nodes); err != nil {
				return err
			}
			for i := range nodes.Items {
				n := &nodes.Items[i]
				patch := client.MergeFrom(n.DeepCopy())
				metav1.SetMetaDataAnnotation(&n.ObjectMeta, network.SNATNodeIPsAnnotation, snatIPs)
				if err := e.Client.Patch(ctx, n, patch); err != nil {
					return err
				}
			}
			return e.Client.Create(ctx, kubeDNS())
		},
	}))
}

// kubeDNS is the cluster DNS Service as kubeadm makes it.
func kubeDNS() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"k8s-app": "kube-dns"},
			Ports: []corev1.ServicePort{
				{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "metrics", Protocol: corev1.ProtocolTCP, Port: 9153, TargetPort: intstr.FromInt32(9153)},
			},
		},
	}
}

// name returns a fresh DNS-label name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// eventually is testenv.Eventually for a condition without an error.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}

// workspace creates a Workspace, isolated with the 4.x annotation when
// isolated is true.
func workspace(t *testing.T, isolated bool) string {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
	if isolated {
		metav1.SetMetaDataAnnotation(&ws.ObjectMeta, network.IsolateAnnotation, network.IsolateEnabled)
	}
	require.NoError(t, env.Client.Create(context.Background(), ws))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ws) })
	return ws.Name
}

// project creates a namespace in workspace ws (none when empty), isolated
// at project level when isolated is true.
func project(t *testing.T, ws string, isolated bool) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("proj"), Labels: map[string]string{testenv.NamespaceLabel: "network-controllers"}}}
	if ws != "" {
		ns.Labels[tenantv1beta1.WorkspaceLabel] = ws
	}
	if isolated {
		metav1.SetMetaDataAnnotation(&ns.ObjectMeta, network.IsolateAnnotation, network.IsolateEnabled)
	}
	require.NoError(t, env.Client.Create(context.Background(), ns))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
	return ns.Name
}

// policySpec waits until network policy namespace/name exists with spec
// want (as the API server stores it), failing with the last difference.
func policySpec(t *testing.T, namespace, name string, want networkingv1.NetworkPolicySpec) {
	t.Helper()
	var last networkingv1.NetworkPolicySpec
	testenv.Eventually(t, func() (bool, error) {
		var np networkingv1.NetworkPolicy
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: name}, &np)
		if err != nil {
			return false, client.IgnoreNotFound(err)
		}
		last = np.Spec
		return equalSpecs(np.Spec, want), nil
	}, "network policy %s/%s with the expected spec; last seen:\n%s\nwant:\n%s", namespace, name, dump(&last), dump(&want))
}

// absent waits until network policy namespace/name does not exist.
func absent(t *testing.T, namespace, name string) {
	t.Helper()
	eventually(t, func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: name}, &networkingv1.NetworkPolicy{})
		return err != nil && client.IgnoreNotFound(err) == nil
	}, "network policy %s/%s removed", namespace, name)
}
