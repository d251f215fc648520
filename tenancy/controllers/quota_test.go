package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
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

// newQuota creates a labelled workspace quota on the namespaces labelled
// sel with hard limits.
func newQuota(t *testing.T, sel map[string]string, hard corev1.ResourceList) *quotav1alpha2.ResourceQuota {
	t.Helper()
	q := &quotav1alpha2.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: name("quota"), Labels: labelled(nil)},
		Spec:       quotav1alpha2.ResourceQuotaSpec{Selector: sel, Quota: corev1.ResourceQuotaSpec{Hard: hard}},
	}
	create(t, q)
	return q
}

// meters says how q's meters fall short: one in each of namespaces and
// nowhere else, each labelled, controlled by q and limited as q; and q's
// status listing those namespaces with q's limits.
func meters(t *testing.T, q *quotav1alpha2.ResourceQuota, namespaces ...string) error {
	t.Helper()
	ctx := context.Background()
	if !exists(t, q) {
		return errors.New("no quota")
	}
	var list corev1.ResourceQuotaList
	require.NoError(t, env.Client.List(ctx, &list, client.MatchingLabels{controllers.QuotaMeterLabel: q.Name}))
	var got []string
	for _, m := range list.Items {
		got = append(got, m.Namespace)
		if m.Name != controllers.QuotaMeterName(q.Name) {
			return fmt.Errorf("meter %s/%s misnamed", m.Namespace, m.Name)
		}
		if !metav1.IsControlledBy(&m, q) {
			return fmt.Errorf("meter in %s not controlled by the quota", m.Namespace)
		}
		if !equality.Semantic.DeepEqual(m.Spec.Hard, q.Spec.Quota.Hard) {
			return fmt.Errorf("meter in %s limits %v, want %v", m.Namespace, m.Spec.Hard, q.Spec.Quota.Hard)
		}
	}
	var status []string
	for _, s := range q.Status.Namespaces {
		status = append(status, s.Namespace)
	}
	less := func(a, b string) bool { return a < b }
	if d := cmp.Diff(namespaces, got, cmpopts.SortSlices(less), cmpopts.EquateEmpty()); d != "" {
		return fmt.Errorf("metered namespaces (-want +got):\n%s", d)
	}
	if d := cmp.Diff(namespaces, status, cmpopts.SortSlices(less), cmpopts.EquateEmpty()); d != "" {
		return fmt.Errorf("namespaces in the status (-want +got):\n%s", d)
	}
	if !equality.Semantic.DeepEqual(q.Status.Total.Hard, q.Spec.Quota.Hard) {
		return fmt.Errorf("status limits %v, want %v", q.Status.Total.Hard, q.Spec.Quota.Hard)
	}
	return nil
}

func waitMeters(t *testing.T, q *quotav1alpha2.ResourceQuota, msg string, namespaces ...string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		err := meters(t, q, namespaces...)
		return err == nil, err
	}, "%s", msg)
}

// quotaNamespace returns a fresh namespace with labels.
func quotaNamespace(t *testing.T, lbls map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: env.NewNamespace(t)}}
	update(t, ns, func(ns *corev1.Namespace) { maps.Copy(ns.Labels, lbls) })
	return ns.Name
}

// TestResourceQuotaReconciler checks a workspace quota's meters and status
// as the quota, its namespaces and its meters change.
func TestResourceQuotaReconciler(t *testing.T) {
	ctx := context.Background()
	secrets := func(n int64) corev1.ResourceList {
		return corev1.ResourceList{"count/secrets": *resource.NewQuantity(n, resource.DecimalSI)}
	}
	setup := func(t *testing.T) (*quotav1alpha2.ResourceQuota, map[string]string, []string) {
		sel := map[string]string{"controllers-test/quota": name("ws")}
		nss := []string{quotaNamespace(t, sel), quotaNamespace(t, sel)}
		quotaNamespace(t, nil) // not selected
		q := newQuota(t, sel, secrets(5))
		waitMeters(t, q, "a meter in each selected namespace", nss...)
		return q, sel, nss
	}

	t.Run("usage", func(t *testing.T) {
		q, _, nss := setup(t)
		for _, ns := range nss {
			require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "s-", Namespace: ns}}))
		}
		eventually(t, func() bool {
			used := q.Status.Total.Used["count/secrets"]
			return exists(t, q) && used.Value() == 2 && len(q.Status.Namespaces) == 2
		}, "the status sums what Kubernetes counted in each namespace")
		for _, s := range q.Status.Namespaces {
			used := s.Used["count/secrets"]
			assert.Equal(t, int64(1), used.Value(), "namespace %s", s.Namespace)
		}
	})

	t.Run("limits changed", func(t *testing.T) {
		q, _, nss := setup(t)
		update(t, q, func(q *quotav1alpha2.ResourceQuota) { q.Spec.Quota.Hard = secrets(9) })
		waitMeters(t, q, "the meters and the status follow the limits", nss...)
	})

	t.Run("namespaces join and leave", func(t *testing.T) {
		q, sel, nss := setup(t)
		third := quotaNamespace(t, sel)
		waitMeters(t, q, "a namespace that joins is metered", append(nss, third)...)
		update(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nss[0]}}, func(ns *corev1.Namespace) {
			for k := range sel {
				delete(ns.Labels, k)
			}
		})
		waitMeters(t, q, "one that leaves is not", nss[1], third)
	})

	t.Run("meter edited or deleted", func(t *testing.T) {
		q, _, nss := setup(t)
		meter := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(q.Name), Namespace: nss[0]}}
		update(t, meter, func(m *corev1.ResourceQuota) { m.Spec.Hard = secrets(100) })
		waitMeters(t, q, "an edited meter is put back", nss...)
		require.True(t, exists(t, meter))
		uid := meter.UID
		remove(t, meter)
		eventually(t, func() bool { return exists(t, meter) && meter.UID != uid }, "a deleted meter is created again")
		waitMeters(t, q, "the new meter", nss...)
	})

	t.Run("quota deleted", func(t *testing.T) {
		q, _, nss := setup(t)
		remove(t, q)
		for _, ns := range nss {
			gone(t, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(q.Name), Namespace: ns}}, "the meters go with the quota")
		}
	})

	t.Run("a ResourceQuota of the meter's name exists", func(t *testing.T) {
		// Adopted: the name is the meter's; its other labels stay.
		sel := map[string]string{"controllers-test/quota": name("ws")}
		ns := quotaNamespace(t, sel)
		qName := name("quota")
		create(t, &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(qName), Namespace: ns, Labels: map[string]string{"team": "a"}},
			Spec:       corev1.ResourceQuotaSpec{Hard: secrets(100)},
		})
		q := &quotav1alpha2.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: qName, Labels: labelled(nil)},
			Spec:       quotav1alpha2.ResourceQuotaSpec{Selector: sel, Quota: corev1.ResourceQuotaSpec{Hard: secrets(3)}},
		}
		create(t, q)
		waitMeters(t, q, "the existing ResourceQuota becomes the meter", ns)
		m := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(qName), Namespace: ns}}
		require.True(t, exists(t, m))
		assert.Equal(t, "a", m.Labels["team"])
	})

	t.Run("pending charges settled", func(t *testing.T) {
		// Expired charges, and a record that cannot be read, are removed
		// once the status is recounted.
		for _, record := range []func(q *quotav1alpha2.ResourceQuota){
			func(q *quotav1alpha2.ResourceQuota) {
				require.NoError(t, controllers.SetPendingCharges(q, map[string]controllers.PendingCharge{"old": {
					Namespace: "x", Resource: "secrets", Name: "s", Resources: secrets(1), Expires: metav1.NewTime(time.Now().Add(-time.Minute)),
				}}))
			},
			func(q *quotav1alpha2.ResourceQuota) {
				q.Annotations[controllers.QuotaPendingChargesAnnotation] = "{not json"
			},
		} {
			q, _, _ := setup(t)
			update(t, q, func(q *quotav1alpha2.ResourceQuota) {
				if q.Annotations == nil {
					q.Annotations = map[string]string{}
				}
				record(q)
			})
			eventually(t, func() bool {
				return exists(t, q) && q.Annotations[controllers.QuotaPendingChargesAnnotation] == ""
			}, "the record is cleared")
		}
	})
}
