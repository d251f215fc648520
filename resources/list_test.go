package resources_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
)

// names lists the "namespace/name" or, when every item is in one
// namespace, just the names of a list.
func names(l client.ObjectList) []string {
	var out []string
	items := 0
	nss := map[string]bool{}
	_ = forEach(l, func(o client.Object) {
		items++
		nss[o.GetNamespace()] = true
	})
	_ = forEach(l, func(o client.Object) {
		if len(nss) > 1 {
			out = append(out, o.GetNamespace()+"/"+o.GetName())
		} else {
			out = append(out, o.GetName())
		}
	})
	return out
}

func forEach(l client.ObjectList, fn func(client.Object)) error {
	switch l := l.(type) {
	case *corev1.ConfigMapList:
		for i := range l.Items {
			fn(&l.Items[i])
		}
	case *corev1.PodList:
		for i := range l.Items {
			fn(&l.Items[i])
		}
	case *unstructured.UnstructuredList:
		for i := range l.Items {
			fn(&l.Items[i])
		}
	default:
		return errors.New("unsupported list")
	}
	return nil
}

func configMap(ns, name string, lbl, ann map[string]string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbl, Annotations: ann},
		Data:       data,
	}
}

// TestListMetadataFilters checks every kind-independent filter on
// ConfigMaps read through the cache.
func TestListMetadataFilters(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	ns := env.NewNamespace(t)
	ns2 := env.NewNamespace(t)
	mark := map[string]string{"suite": ns} // selects this test's objects across namespaces
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{"suite": ns}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	alpha := configMap(ns, "alpha", with(map[string]string{"app": "web", "tier": "front", "app.kubernetes.io/name": "shop"}),
		map[string]string{resources.AliasAnnotation: "Frontend Alpha"}, map[string]string{"color": "red"})
	beta := configMap(ns, "beta", with(map[string]string{"app": "web", "tier": "back"}), map[string]string{"note": "x"}, map[string]string{"color": "blue"})
	gamma := configMap(ns, "gamma", with(map[string]string{"app": "db"}), nil, nil)
	gamma.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "owner", UID: "0a7d6e7c-0000-4000-8000-000000000001"}}
	delta := configMap(ns, "delta", mark, map[string]string{resources.AliasAnnotation: "gamma copy"}, nil)
	epsilon := configMap(ns, "web-epsilon", mark, nil, nil)
	alpha2 := configMap(ns2, "alpha", mark, nil, nil)
	create(t, alpha, beta, gamma, delta, epsilon, alpha2)
	synced(t, alpha, beta, gamma, delta, epsilon, alpha2)

	sel := func(s string) labels.Selector {
		t.Helper()
		l, err := labels.Parse(s)
		require.NoError(t, err)
		return l
	}
	fs := func(s string) *resources.FieldSelector {
		t.Helper()
		f, err := resources.ParseFieldSelector(s)
		require.NoError(t, err)
		return f
	}
	tests := []struct {
		name  string
		q     resources.Query
		want  []string
		total int
	}{
		{"namespace", resources.Query{Namespace: ns}, []string{"alpha", "beta", "delta", "gamma", "web-epsilon"}, 5},
		{"all namespaces, ties by namespace", resources.Query{Names: []string{"alpha"}},
			[]string{min(ns, ns2) + "/alpha", max(ns, ns2) + "/alpha"}, 2},
		{"name substring", resources.Query{Namespace: ns, Name: "eps"}, []string{"web-epsilon"}, 1},
		{"name matches alias", resources.Query{Namespace: ns, Name: "Frontend"}, []string{"alpha"}, 1},
		{"name matches name or alias", resources.Query{Namespace: ns, Name: "gamma"}, []string{"delta", "gamma"}, 2},
		{"names", resources.Query{Namespace: ns, Names: []string{"delta", "alpha", "nope"}}, []string{"alpha", "delta"}, 2},
		{"uid", resources.Query{UID: string(beta.UID)}, []string{"beta"}, 1},
		{"label key=value", resources.Query{Namespace: ns, Label: "app=web"}, []string{"alpha", "beta"}, 2},
		{"label key!=value needs the key", resources.Query{Namespace: ns, Label: "app!=web"}, []string{"gamma"}, 1},
		{"label key", resources.Query{Namespace: ns, Label: "tier"}, []string{"alpha", "beta"}, 2},
		{"annotation key=value", resources.Query{Namespace: ns, Annotation: "note=x"}, []string{"beta"}, 1},
		{"annotation key", resources.Query{Namespace: ns, Annotation: resources.AliasAnnotation}, []string{"alpha", "delta"}, 2},
		{"annotation no match", resources.Query{Namespace: ns, Annotation: "note=y"}, nil, 0},
		{"labelSelector", resources.Query{Namespace: ns, LabelSelector: sel("app in (web,db),tier!=back")}, []string{"alpha", "gamma"}, 2},
		{"fieldSelector name", resources.Query{LabelSelector: sel("suite=" + ns), FieldSelector: fs("metadata.name=beta")}, []string{"beta"}, 1},
		{"fieldSelector namespace", resources.Query{LabelSelector: sel("suite=" + ns), FieldSelector: fs("metadata.namespace=" + ns2)}, []string{"alpha"}, 1},
		{"fieldSelector fold", resources.Query{Namespace: ns, FieldSelector: fs("data.color=~RED")}, []string{"alpha"}, 1},
		{"fieldSelector case", resources.Query{Namespace: ns, FieldSelector: fs("data.color=RED")}, nil, 0},
		{"fieldSelector != with missing", resources.Query{Namespace: ns, FieldSelector: fs("metadata.labels.app!=web")}, []string{"delta", "gamma", "web-epsilon"}, 3},
		{"fieldSelector dotted key", resources.Query{Namespace: ns, FieldSelector: fs("metadata.labels.app.kubernetes.io/name=shop")}, []string{"alpha"}, 1},
		{"fieldSelector list index", resources.Query{Namespace: ns, FieldSelector: fs("metadata.ownerReferences[0].kind=Deployment")}, []string{"gamma"}, 1},
		{"fieldSelector two terms", resources.Query{Namespace: ns, FieldSelector: fs("metadata.labels.app=web,data.color!=red")}, []string{"beta"}, 1},
		{"ownerReference", resources.Query{Namespace: ns, OwnerReference: "0a7d6e7c-0000-4000-8000-000000000001"}, []string{"gamma"}, 1},
		{"ownerKind", resources.Query{Namespace: ns, OwnerKind: "Deployment"}, []string{"gamma"}, 1},
		{"ownerKind other", resources.Query{Namespace: ns, OwnerKind: "StatefulSet"}, nil, 0},
		{"filters combine", resources.Query{Namespace: ns, Label: "app=web", Name: "a"}, []string{"alpha", "beta"}, 2},
		{"page 1", resources.Query{Namespace: ns, Limit: 2}, []string{"alpha", "beta"}, 5},
		{"page 2", resources.Query{Namespace: ns, Limit: 2, Page: 2}, []string{"delta", "gamma"}, 5},
		{"page 3", resources.Query{Namespace: ns, Limit: 2, Page: 3}, []string{"web-epsilon"}, 5},
		{"page beyond", resources.Query{Namespace: ns, Limit: 2, Page: 4}, nil, 5},
		{"huge page", resources.Query{Namespace: ns, Limit: 1 << 40, Page: 1 << 40}, nil, 5},
		{"limit above total", resources.Query{Namespace: ns, Limit: 10}, []string{"alpha", "beta", "delta", "gamma", "web-epsilon"}, 5},
		{"count only", resources.Query{Namespace: ns, CountOnly: true}, nil, 5},
		{"count only beats a limit", resources.Query{Namespace: ns, CountOnly: true, Limit: 2, Page: 2}, nil, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.SortBy, q.Ascending = resources.SortByName, true
			if q.Namespace == "" && q.LabelSelector == nil {
				q.LabelSelector = sel("suite=" + ns)
			}
			var l corev1.ConfigMapList
			total, err := resources.List(ctx, cc, &l, q)
			require.NoError(t, err)
			assert.Equal(t, tt.total, total)
			if diff := cmp.Diff(tt.want, names(&l)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("descending by name", func(t *testing.T) {
		var l corev1.ConfigMapList
		total, err := resources.List(ctx, cc, &l, resources.Query{Namespace: ns, SortBy: resources.SortByName, Limit: 3})
		require.NoError(t, err)
		assert.Equal(t, 5, total)
		assert.Equal(t, []string{"web-epsilon", "gamma", "delta"}, names(&l))
	})
	t.Run("unstructured list", func(t *testing.T) {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMapList"})
		total, err := resources.List(ctx, cc, l, resources.Query{Namespace: ns, SortBy: resources.SortByName, Ascending: true, FieldSelector: fs("data.color=blue")})
		require.NoError(t, err)
		assert.Equal(t, 1, total)
		assert.Equal(t, []string{"beta"}, names(l))
	})
	t.Run("page items are copies", func(t *testing.T) {
		var l corev1.ConfigMapList
		_, err := resources.List(ctx, cc, &l, resources.Query{Namespace: ns, Names: []string{"alpha"}})
		require.NoError(t, err)
		require.Len(t, l.Items, 1)
		l.Items[0].Labels["app"] = "changed"
		var again corev1.ConfigMapList
		_, err = resources.List(ctx, cc, &again, resources.Query{Namespace: ns, Names: []string{"alpha"}})
		require.NoError(t, err)
		assert.Equal(t, "web", again.Items[0].Labels["app"], "the cache's object changed")
	})
}

// TestListSortByCreation checks the default order (newest first), ascending
// order and that ties break by name.
func TestListSortByCreation(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	ns := env.NewNamespace(t)
	// Creation timestamps have a resolution of one second.
	first := configMap(ns, "m-first", nil, nil, nil)
	create(t, first)
	time.Sleep(1100 * time.Millisecond)
	second := configMap(ns, "z-second", nil, nil, nil)
	create(t, second)
	time.Sleep(1100 * time.Millisecond)
	thirdA, thirdB := configMap(ns, "b-third", nil, nil, nil), configMap(ns, "a-third", nil, nil, nil)
	create(t, thirdA, thirdB)
	synced(t, first, second, thirdA, thirdB)
	if !thirdA.CreationTimestamp.Equal(&thirdB.CreationTimestamp) {
		t.Log("the two third objects were created in different seconds; the tie is not exercised")
	}

	tests := []struct {
		name string
		q    resources.Query
		want []string
	}{
		{"default newest first", resources.Query{}, []string{"b-third", "a-third", "z-second", "m-first"}},
		{"ascending", resources.Query{Ascending: true}, []string{"m-first", "z-second", "a-third", "b-third"}},
		{"createTime alias", resources.Query{SortBy: resources.SortByCreateTime, Ascending: true}, []string{"m-first", "z-second", "a-third", "b-third"}},
		{"unknown sort falls back", resources.Query{SortBy: "bogus"}, []string{"b-third", "a-third", "z-second", "m-first"}},
		{"updateTime falls back on configmaps", resources.Query{SortBy: resources.SortByUpdateTime}, []string{"b-third", "a-third", "z-second", "m-first"}},
		{"page 2 of newest first", resources.Query{Limit: 3, Page: 2}, []string{"m-first"}},
		{"page 1 of ascending", resources.Query{Ascending: true, Limit: 2}, []string{"m-first", "z-second"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Namespace = ns
			var l corev1.ConfigMapList
			total, err := resources.List(ctx, cc, &l, q)
			require.NoError(t, err)
			assert.Equal(t, 4, total)
			if thirdA.CreationTimestamp.Equal(&thirdB.CreationTimestamp) {
				assert.Equal(t, tt.want, names(&l))
			}
		})
	}
}

// TestListInvalid checks that malformed Query fields and per-kind filters
// on kinds without them are refused with *InvalidError.
func TestListInvalid(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		list  client.ObjectList
		q     resources.Query
		field string
	}{
		{"negative limit", &corev1.ConfigMapList{}, resources.Query{Limit: -1}, "limit"},
		{"negative page", &corev1.ConfigMapList{}, resources.Query{Page: -1}, "page"},
		{"bad label", &corev1.ConfigMapList{}, resources.Query{Label: "=x"}, "label"},
		{"bad annotation", &corev1.ConfigMapList{}, resources.Query{Annotation: "!=x"}, "annotation"},
		{"status without rule", &corev1.ConfigMapList{}, resources.Query{Status: "running"}, "status"},
		{"status outside the set", &appsv1.DeploymentList{}, resources.Query{Status: "completed"}, "status"},
		{"pod filter on deployments", &appsv1.DeploymentList{}, resources.Query{Filters: map[string]string{resources.FilterNodeName: "n"}}, "nodeName"},
		{"unknown filter key", &corev1.PodList{}, resources.Query{Filters: map[string]string{"color": "red"}}, "color"},
		{"hpa filter on pods", &corev1.PodList{}, resources.Query{Filters: map[string]string{resources.FilterTargetKind: "Deployment"}}, "targetKind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resources.List(ctx, cc, tt.list, tt.q)
			var invalid *resources.InvalidError
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tt.field, invalid.Field)
		})
	}
}

// TestStripForCache checks that the cache holds objects without managed
// fields and the last-applied annotation, and that StripForCache leaves
// other annotations.
func TestStripForCache(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	ns := env.NewNamespace(t)
	cm := configMap(ns, "applied", nil, map[string]string{corev1.LastAppliedConfigAnnotation: `{"kind":"ConfigMap"}`, "keep": "me"}, nil)
	create(t, cm)
	require.NotEmpty(t, cm.ManagedFields, "the API server records managed fields")
	synced(t, cm)
	got := &corev1.ConfigMap{}
	require.NoError(t, cc.Get(ctx, types.NamespacedName{Namespace: ns, Name: "applied"}, got))
	assert.Empty(t, got.ManagedFields)
	assert.Equal(t, map[string]string{"keep": "me"}, got.Annotations)

	only := configMap(ns, "x", nil, map[string]string{corev1.LastAppliedConfigAnnotation: "{}"}, nil)
	out, err := resources.StripForCache(only)
	require.NoError(t, err)
	assert.Nil(t, out.(*corev1.ConfigMap).Annotations)
	u := &unstructured.Unstructured{}
	u.SetAnnotations(map[string]string{corev1.LastAppliedConfigAnnotation: "{}", "a": "b"})
	u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "m"}})
	_, err = resources.StripForCache(u)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "b"}, u.GetAnnotations())
	assert.Empty(t, u.GetManagedFields())
	notObject, err := resources.StripForCache("tombstone")
	require.NoError(t, err)
	assert.Equal(t, "tombstone", notObject)
}
