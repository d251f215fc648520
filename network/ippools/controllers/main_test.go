package controllers_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools/controllers"
	"github.com/spherekit/spherekit/network/ippools/webhooks"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/calico"
)

// env is an API-only control plane with Calico's own IPPool and IPAMBlock
// CRDs (read from the github.com/projectcalico/calico module by
// testenv/calico; no Calico program runs, so the tests write IPAMBlocks as
// Calico's IPAM would). Its manager runs the IP pool reconcilers with the
// watch filter filterValue, and the IP pool webhooks, so every write the
// reconcilers make passes the same admission as anyone's. Tests that drive
// a reconciler themselves use objects without the filter label, which the
// manager's reconcilers leave alone.
var env *testenv.Environment

const filterValue = "ippools-controllers-test"

func TestMain(m *testing.M) {
	ctx := context.Background()
	var defs []*apiextensionsv1.CustomResourceDefinition
	if !testenv.Fuzzing() {
		all, err := calico.CRDs(ctx)
		if err == nil {
			defs, err = calico.Only(all, "IPPool", "IPAMBlock")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(testenv.RunWithManager(ctx, testenv.RunInput{
		M: m,
		Options: testenv.Options{
			CRDs:               defs,
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", webhooks.Options{})},
		},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{WatchFilterValue: filterValue})
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

// nextNet returns a fresh "10.N" for an IPv4 /16 no other call returns.
func nextNet() string { return fmt.Sprintf("10.%d", cidrs.Add(1)) }

func name(prefix string) string { return prefix + "-" + rand.String(6) }

// labelled returns l with the reconcilers' watch filter label.
func labelled(l map[string]string) map[string]string {
	out := maps.Clone(l)
	if out == nil {
		out = map[string]string{}
	}
	out[controllers.WatchFilterLabel] = filterValue
	return out
}

func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}

// create creates obj and deletes it when the test ends.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

// createPool creates a pool; when the test ends its usage is cleared
// (so the webhook lets it go) and it is deleted.
func createPool(t *testing.T, p *networkv1alpha1.IPPool) {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	ctx := context.Background()
	require.NoError(t, env.Client.Create(ctx, p))
	t.Cleanup(func() {
		cur := &networkv1alpha1.IPPool{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), cur); err != nil {
			return
		}
		if cur.Status.Allocations > 0 {
			cur.Status.Allocations = 0
			_ = env.Client.Status().Update(ctx, cur)
		}
		_ = env.Client.Delete(ctx, cur)
	})
}

func pool(n, typ, cidr string, labels map[string]string) *networkv1alpha1.IPPool {
	return &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labels}, Spec: networkv1alpha1.IPPoolSpec{Type: typ, CIDR: cidr}}
}

func newWorkspace(t *testing.T) string {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
	create(t, ws)
	return ws.Name
}

// newProject creates a namespace of ws ("" for none) with labels.
func newProject(t *testing.T, ws string, labels map[string]string) *corev1.Namespace {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("ns"), Labels: maps.Clone(labels)}}
	if ws != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[tenantv1beta1.WorkspaceLabel] = ws
	}
	create(t, ns)
	return ns
}

// get reads obj; false when it does not exist.
func get(t *testing.T, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	require.NoError(t, client.IgnoreNotFound(err))
	return err == nil
}

// calicoPool reads the Calico IPPool named n; nil when there is none.
func calicoPool(t *testing.T, n string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(controllers.CalicoIPPoolGVK)
	u.SetName(n)
	if !get(t, u) {
		return nil
	}
	return u
}

// block creates a Calico IPAMBlock of cidr whose addresses are held as
// holders says (one entry per address: "" free, "reserved" held without a
// handle, else "namespace/pod").
func block(t *testing.T, cidr string, holders []string) *unstructured.Unstructured {
	t.Helper()
	allocations := make([]any, len(holders))
	var unallocated, attributes []any
	for i, h := range holders {
		switch h {
		case "":
			unallocated = append(unallocated, int64(i))
		case "reserved":
			allocations[i] = int64(len(attributes))
			attributes = append(attributes, map[string]any{})
		default:
			ns, pod, _ := strings.Cut(h, "/")
			allocations[i] = int64(len(attributes))
			attributes = append(attributes, map[string]any{
				"handle_id": "k8s-pod-network." + rand.String(8),
				"secondary": map[string]any{"namespace": ns, "pod": pod, "node": "node-1"},
			})
		}
	}
	if unallocated == nil {
		unallocated = []any{}
	}
	if attributes == nil {
		attributes = []any{}
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"cidr": cidr, "allocations": allocations, "unallocated": unallocated, "attributes": attributes,
		"strictAffinity": false, "affinity": "host:node-1",
	}}}
	u.SetGroupVersionKind(controllers.CalicoIPAMBlockGVK)
	u.SetName(name("block"))
	create(t, u)
	return u
}
