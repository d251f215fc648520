package controllers_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

// TestCountQuota checks which pending charges a live count settles, on a
// fake reader: the decisions are pure logic over what the reader returns
// (the package tests in tenancy/ run them against a real API server).
func TestCountQuota(t *testing.T) {
	now := time.Now()
	later := metav1.NewTime(now.Add(time.Minute))
	one := corev1.ResourceList{"count/secrets": resource.MustParse("1")}
	q := &quotav1alpha2.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "ws"},
		Spec:       quotav1alpha2.ResourceQuotaSpec{Quota: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/secrets": resource.MustParse("10")}}},
	}
	meter := func(ns string, used corev1.ResourceList) *corev1.ResourceQuota {
		return &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName("ws"), Namespace: ns, Labels: map[string]string{controllers.QuotaMeterLabel: "ws"}},
			Status:     corev1.ResourceQuotaStatus{Used: used},
		}
	}
	secret := func(ns, name, uid string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + uid)}}
	}
	charge := func(ns, name, uid string, expires metav1.Time) controllers.PendingCharge {
		return controllers.PendingCharge{Namespace: ns, Resource: "secrets", Name: name, UID: types.UID("uid-" + uid), Resources: one, Expires: expires}
	}
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, quotav1alpha2.AddToScheme(scheme))
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		meter("counted", corev1.ResourceList{"count/secrets": resource.MustParse("2")}),
		meter("new", nil), // not counted by kube-controller-manager yet
		secret("counted", "stored", "stored"),
		secret("counted", "same-name", "other"),
		secret("new", "in-new", "in-new"),
		secret("unmetered", "nowhere", "nowhere"),
	).Build()
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, meta.RESTScopeNamespace)

	charges := map[string]controllers.PendingCharge{
		"settled":      charge("counted", "stored", "stored", later),
		"expired":      charge("counted", "never-stored", "x", metav1.NewTime(now.Add(-time.Second))),
		"not-stored":   charge("counted", "in-flight", "in-flight", later),
		"other-object": charge("counted", "same-name", "mine", later),
		"meter-new":    charge("new", "in-new", "in-new", later),
		"no-meter":     charge("unmetered", "nowhere", "nowhere", later),
		"kind-gone":    {Namespace: "counted", Group: "example.com", Resource: "widgets", Name: "w", Resources: one, Expires: later},
	}
	count, err := controllers.CountQuota(context.Background(), reader, mapper, q, charges, now)
	require.NoError(t, err)
	assert.Equal(t, []string{"expired", "settled"}, count.Settled)
	uncounted := make([]string, 0, len(count.Uncounted))
	for uid := range count.Uncounted {
		uncounted = append(uncounted, uid)
	}
	assert.ElementsMatch(t, []string{"not-stored", "other-object", "meter-new", "no-meter", "kind-gone"}, uncounted)
	assert.Len(t, count.Meters, 2)
	counted := count.Counted["count/secrets"]
	assert.Equal(t, int64(2), counted.Value(), "the meters' sum")
	used := count.Used()["count/secrets"]
	assert.Equal(t, int64(7), used.Value(), "the meters' sum and the uncounted charges")
}

func TestPendingChargesRoundTrip(t *testing.T) {
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "ws"}}
	got, err := controllers.PendingCharges(q)
	require.NoError(t, err)
	assert.Empty(t, got)

	want := map[string]controllers.PendingCharge{"a": {
		Namespace: "p", Group: "apps", Resource: "deployments", Name: "d", UID: "u",
		Resources: corev1.ResourceList{"count/deployments.apps": resource.MustParse("1")},
		Expires:   metav1.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
	}}
	require.NoError(t, controllers.SetPendingCharges(q, want))
	got, err = controllers.PendingCharges(q)
	require.NoError(t, err)
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	require.NoError(t, controllers.SetPendingCharges(q, nil))
	assert.NotContains(t, q.Annotations, controllers.QuotaPendingChargesAnnotation, "no charges, no record")

	q.Annotations = map[string]string{controllers.QuotaPendingChargesAnnotation: "{not json"}
	_, err = controllers.PendingCharges(q)
	assert.Error(t, err)
}
