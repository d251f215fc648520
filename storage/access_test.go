package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// usable returns the names of the classes namespace may use, among only.
func usable(t *testing.T, namespace string, only ...string) []string {
	t.Helper()
	classes, err := sc.UsableClasses(context.Background(), namespace)
	require.NoError(t, err)
	var out []string
	for _, c := range classes {
		for _, o := range only {
			if c.Name == o {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

func TestGrantClassAndUsableClasses(t *testing.T) {
	ctx := context.Background()
	gold := class(t, "gold.csi.example.com")
	open := class(t, "open.csi.example.com")
	wsA, wsB := workspace(t, nil), workspace(t, nil)
	inA, inB, loose := project(t, wsA, nil), project(t, wsB, nil), project(t, "", nil)

	// Before any grant every class is usable everywhere.
	for _, ns := range []string{inA, inB, loose} {
		assert.ElementsMatch(t, []string{gold, open}, usable(t, ns, gold, open), ns)
	}

	a, err := sc.GrantClass(ctx, gold, storage.Grantees{Workspaces: []string{wsA}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Client.Delete(ctx, a) })
	assert.Equal(t, storage.GrantAccessorName(gold), a.Name)
	assert.Equal(t, "true", a.Labels[storage.GrantLabel])
	assert.ElementsMatch(t, []string{gold, open}, usable(t, inA, gold, open))
	assert.Equal(t, []string{open}, usable(t, inB, gold, open), "the first grant restricts the class")
	assert.Equal(t, []string{open}, usable(t, loose, gold, open), "a namespace in no workspace is not in a granted workspace")

	// A second grant widens it, by project; repeating a grant changes nothing.
	_, err = sc.GrantClass(ctx, gold, storage.Grantees{Projects: []string{loose}, Workspaces: []string{wsA}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{gold, open}, usable(t, loose, gold, open))
	assert.Equal(t, []string{open}, usable(t, inB, gold, open))
	stored := &storagev1alpha1.Accessor{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: a.Name}, stored))
	require.Len(t, stored.Spec.NamespaceSelector.LabelSelector, 2)
	assert.Equal(t, []string{wsA}, stored.Spec.NamespaceSelector.LabelSelector[0].MatchExpressions[0].Values, "no duplicate")
	assert.Equal(t, []string{loose}, stored.Spec.NamespaceSelector.LabelSelector[1].MatchExpressions[0].Values)

	// The stored grant is what the index admits with.
	var list storagev1alpha1.AccessorList
	require.NoError(t, env.Client.List(ctx, &list))
	x := storage.NewAccessorIndex(list.Items)
	assert.NoError(t, x.Admit(ctx, env.Client, gold, inA))
	var denied *storage.AccessDeniedError
	require.ErrorAs(t, x.Admit(ctx, env.Client, gold, inB), &denied)
	assert.Equal(t, a.Name, denied.Accessor)
	assert.Equal(t, wsB, denied.Workspace)
}

func TestGrantClassRefusals(t *testing.T) {
	ctx := context.Background()
	gold := class(t, "gold.csi.example.com")
	ws := workspace(t, nil)
	taken := class(t, "taken.csi.example.com")
	create(t, &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: storage.GrantAccessorName(taken)}, Spec: storagev1alpha1.AccessorSpec{StorageClassName: taken}})
	tests := []struct {
		name  string
		class string
		to    storage.Grantees
		check func(t *testing.T, err error)
	}{
		{"nobody", gold, storage.Grantees{}, invalid("to")},
		{"a bad workspace name", gold, storage.Grantees{Workspaces: []string{"Not_A_Name"}}, invalid("to.Workspaces[0]")},
		{"an unknown class", "no-such-class", storage.Grantees{Workspaces: []string{ws}}, notFound("class", "StorageClass")},
		{"an unknown workspace", gold, storage.Grantees{Workspaces: []string{ws, "no-such-ws"}}, notFound("to.Workspaces[1]", "Workspace")},
		{"an unknown project", gold, storage.Grantees{Projects: []string{"no-such-project"}}, notFound("to.Projects[0]", "Namespace")},
		{"a name taken by someone's accessor", taken, storage.Grantees{Workspaces: []string{ws}}, func(t *testing.T, err error) {
			var ce *storage.ConflictError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "class", ce.Field)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sc.GrantClass(ctx, tt.class, tt.to)
			tt.check(t, err)
			if tt.class == gold {
				err := env.Client.Get(ctx, client.ObjectKey{Name: storage.GrantAccessorName(gold)}, &storagev1alpha1.Accessor{})
				assert.True(t, apierrors.IsNotFound(err), "nothing written")
			}
		})
	}
}

func invalid(field string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ie *storage.InvalidError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, field, ie.Field)
	}
}

func notFound(field, kind string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var nf *storage.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, field, nf.Field)
		assert.Equal(t, kind, nf.Kind)
		assert.True(t, errors.Is(err, storage.ErrNotFound))
	}
}

func TestUsableClassesMissingWorkspace(t *testing.T) {
	ctx := context.Background()
	restricted := class(t, "r.csi.example.com")
	free := class(t, "f.csi.example.com")
	create(t, &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: name("acc")}, Spec: storagev1alpha1.AccessorSpec{StorageClassName: restricted}})
	orphan := project(t, "ghost-workspace", nil)
	assert.Equal(t, []string{free}, usable(t, orphan, restricted, free), "a class with accessors refuses a namespace of a missing workspace")

	var list storagev1alpha1.AccessorList
	require.NoError(t, env.Client.List(ctx, &list))
	var denied *storage.AccessDeniedError
	require.ErrorAs(t, storage.NewAccessorIndex(list.Items).Admit(ctx, env.Client, restricted, orphan), &denied)
	assert.Equal(t, "metadata.labels", denied.Field)
	assert.Contains(t, denied.Reason, "ghost-workspace")

	_, err := sc.UsableClasses(ctx, "no-such-namespace")
	notFound("namespace", "Namespace")(t, err)
}

func TestValidateAccessor(t *testing.T) {
	ctx := context.Background()
	gold := class(t, "gold.csi.example.com")
	ok := func() *storagev1alpha1.Accessor {
		a := exampleAccessor()
		a.Spec.StorageClassName = gold
		return a
	}
	tests := []struct {
		name   string
		mutate func(*storagev1alpha1.Accessor)
		check  func(*testing.T, error)
	}{
		{"storageclass-accessor's example", func(*storagev1alpha1.Accessor) {}, func(t *testing.T, err error) { assert.NoError(t, err) }},
		{"an unknown class", func(a *storagev1alpha1.Accessor) { a.Spec.StorageClassName = "no-such-class" }, notFound("spec.storageClassName", "StorageClass")},
		{"no class", func(a *storagev1alpha1.Accessor) { a.Spec.StorageClassName = "" }, invalid("spec.storageClassName")},
		{"an expression without values", func(a *storagev1alpha1.Accessor) {
			a.Spec.NamespaceSelector.LabelSelector[1].MatchExpressions[0].Values = nil
		}, invalid("spec.namespaceSelector.labelSelector[1].matchExpressions[0].values")},
		{"an unknown operator", func(a *storagev1alpha1.Accessor) {
			a.Spec.WorkspaceSelector.FieldSelector[0].FieldExpressions[0].Operator = "Exists"
		}, invalid("spec.workspaceSelector.fieldSelector[0].fieldExpressions[0].operator")},
		{"an unknown field", func(a *storagev1alpha1.Accessor) {
			a.Spec.NamespaceSelector.FieldSelector[0].FieldExpressions[0].Field = "Labels"
		}, invalid("spec.namespaceSelector.fieldSelector[0].fieldExpressions[0].field")},
		{"a label without a key", func(a *storagev1alpha1.Accessor) {
			a.Spec.NamespaceSelector.LabelSelector[0].MatchExpressions[0].Key = ""
		}, invalid("spec.namespaceSelector.labelSelector[0].matchExpressions[0].key")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok()
			tt.mutate(a)
			tt.check(t, sc.ValidateAccessor(ctx, a))
		})
	}
}

func TestClaimClass(t *testing.T) {
	tests := []struct {
		name string
		pvc  corev1.PersistentVolumeClaim
		want string
	}{
		{"none", corev1.PersistentVolumeClaim{}, ""},
		{"spec", corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("gold")}}, "gold"},
		{"the beta annotation wins", corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{corev1.BetaStorageClassAnnotation: "silver"}},
			Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("gold")}}, "silver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, storage.ClaimClass(&tt.pvc))
		})
	}
}

func TestGrantAccessorName(t *testing.T) {
	assert.Equal(t, "gold-grants", storage.GrantAccessorName("gold"))
	long := strings.Repeat("a", 250)
	n := storage.GrantAccessorName(long)
	assert.LessOrEqual(t, len(n), 253)
	assert.True(t, strings.HasSuffix(n, "-grants"))
	assert.NotEqual(t, n, storage.GrantAccessorName(strings.Repeat("a", 249)+"b"), "distinct classes, distinct names")
}
