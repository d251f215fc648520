package webhooks_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools/webhooks"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane whose API server sends IP pool writes,
// and pods and namespaces naming pools, to the webhooks served by its
// manager. No controller runs: the tests write pools as kubectl or
// KubeSphere's console would, bypassing ippools.Client, and write pool
// status through the status subresource as a backend would. Pools are
// cluster-scoped and the rules span them all, so the tests do not run in
// parallel, take fresh CIDRs from nextCIDR and delete their pools.
var env *testenv.Environment

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		Options: testenv.Options{
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", webhooks.Options{})},
		},
		SetupWebhooks: func(ctx context.Context, mgr ctrl.Manager) error {
			return webhooks.SetupWithManager(ctx, mgr, webhooks.Options{})
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	}))
}

var cidrs atomic.Int32

// nextCIDR returns an IPv4 /16 no other call returns.
func nextCIDR() string { return fmt.Sprintf("10.%d.0.0/16", cidrs.Add(1)) }

func name(prefix string) string { return prefix + "-" + rand.String(6) }

func newPool(n, typ, cidr string, labels map[string]string) *networkv1alpha1.IPPool {
	return &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labels}, Spec: networkv1alpha1.IPPoolSpec{Type: typ, CIDR: cidr}}
}

// create creates obj and deletes it when the test ends, after clearing a
// pool's usage so the webhook lets it go.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() {
		ctx := context.Background()
		if p, ok := obj.(*networkv1alpha1.IPPool); ok {
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), p); err == nil && p.Status.Allocations > 0 {
				p.Status = networkv1alpha1.IPPoolStatus{}
				_ = env.Client.Status().Update(ctx, p)
			}
		}
		_ = env.Client.Delete(ctx, obj)
	})
}

func newWorkspace(t *testing.T) string {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
	create(t, ws)
	return ws.Name
}

// newProject creates a namespace of workspace ws with annotations.
func newProject(t *testing.T, ws string, annotations map[string]string) (string, error) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("ns"), Annotations: annotations}}
	if ws != "" {
		ns.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: ws}
	}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		return "", err
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
	return ns.Name, nil
}

// setAllocations writes a pool's usage as a backend would.
func setAllocations(t *testing.T, p *networkv1alpha1.IPPool, n int, workspaces map[string]int) {
	t.Helper()
	require.NoError(t, env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), p))
	p.Status.Allocations = n
	p.Status.Workspaces = map[string]networkv1alpha1.WorkspaceStatus{}
	for w, a := range workspaces {
		p.Status.Workspaces[w] = networkv1alpha1.WorkspaceStatus{Allocations: a}
	}
	require.NoError(t, env.Client.Status().Update(context.Background(), p))
}
