package storage_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

func labelRule(exprs ...storagev1alpha1.LabelExpression) storagev1alpha1.LabelRule {
	return storagev1alpha1.LabelRule{MatchExpressions: exprs}
}

func fieldRule(exprs ...storagev1alpha1.FieldExpression) storagev1alpha1.FieldRule {
	return storagev1alpha1.FieldRule{FieldExpressions: exprs}
}

func lbl(key string, op storagev1alpha1.Operator, values ...string) storagev1alpha1.LabelExpression {
	return storagev1alpha1.LabelExpression{Key: key, Operator: op, Values: values}
}

func fld(f storagev1alpha1.Field, op storagev1alpha1.Operator, values ...string) storagev1alpha1.FieldExpression {
	return storagev1alpha1.FieldExpression{Field: f, Operator: op, Values: values}
}

func namespace(name string, phase corev1.NamespacePhase, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Status: corev1.NamespaceStatus{Phase: phase}}
}

// exampleAccessor is storageclass-accessor's example
// (example/storage_v1alpha1_accessor.yaml): a namespace passes when (its
// name is default or test-ns, or it is not Terminating) and (it has
// app=test-app and role admin or user, or app=test-app2), and its workspace
// is system-workspace.
func exampleAccessor() *storagev1alpha1.Accessor {
	return &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: "csi-qingcloud-accessor"}, Spec: storagev1alpha1.AccessorSpec{
		StorageClassName: "csi-qingcloud",
		NamespaceSelector: storagev1alpha1.AccessorSelector{
			FieldSelector: []storagev1alpha1.FieldRule{
				fieldRule(fld(storagev1alpha1.FieldName, storagev1alpha1.In, "default", "test-ns")),
				fieldRule(fld(storagev1alpha1.FieldStatus, storagev1alpha1.NotIn, "Terminating")),
			},
			LabelSelector: []storagev1alpha1.LabelRule{
				labelRule(lbl("app", storagev1alpha1.In, "test-app"), lbl("role", storagev1alpha1.In, "admin", "user")),
				labelRule(lbl("app", storagev1alpha1.In, "test-app2")),
			},
		},
		WorkspaceSelector: storagev1alpha1.AccessorSelector{
			FieldSelector: []storagev1alpha1.FieldRule{fieldRule(fld(storagev1alpha1.FieldName, storagev1alpha1.In, "system-workspace"))},
		},
	}}
}

func TestCheckAccessor(t *testing.T) {
	ws := func(name string, labels map[string]string) *metav1.ObjectMeta {
		return &metav1.ObjectMeta{Name: name, Labels: labels}
	}
	accessor := func(ns, wsSel storagev1alpha1.AccessorSelector) *storagev1alpha1.Accessor {
		return &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: storagev1alpha1.AccessorSpec{StorageClassName: "c", NamespaceSelector: ns, WorkspaceSelector: wsSel}}
	}
	labels := func(rules ...storagev1alpha1.LabelRule) storagev1alpha1.AccessorSelector {
		return storagev1alpha1.AccessorSelector{LabelSelector: rules}
	}
	fields := func(rules ...storagev1alpha1.FieldRule) storagev1alpha1.AccessorSelector {
		return storagev1alpha1.AccessorSelector{FieldSelector: rules}
	}
	none := storagev1alpha1.AccessorSelector{}
	active := corev1.NamespaceActive
	tests := []struct {
		name     string
		accessor *storagev1alpha1.Accessor
		ns       *corev1.Namespace
		ws       *metav1.ObjectMeta
		deniedBy string // the field of the refusal; empty: admitted
	}{
		{"example: name and both app labels", exampleAccessor(), namespace("default", active, map[string]string{"app": "test-app", "role": "user"}), ws("system-workspace", nil), ""},
		{"example: active and app2", exampleAccessor(), namespace("other", active, map[string]string{"app": "test-app2"}), ws("system-workspace", nil), ""},
		{"example: role missing, no app2", exampleAccessor(), namespace("default", active, map[string]string{"app": "test-app"}), ws("system-workspace", nil), "spec.namespaceSelector.labelSelector"},
		{"example: terminating and not named", exampleAccessor(), namespace("other", corev1.NamespaceTerminating, map[string]string{"app": "test-app2"}), ws("system-workspace", nil), "spec.namespaceSelector.fieldSelector"},
		{"example: wrong workspace", exampleAccessor(), namespace("default", active, map[string]string{"app": "test-app2"}), ws("team", nil), "spec.workspaceSelector.fieldSelector"},
		{"example: no workspace passes the workspace selector", exampleAccessor(), namespace("default", active, map[string]string{"app": "test-app2"}), nil, ""},
		{"empty accessor admits everything", accessor(none, none), namespace("x", active, nil), ws("w", nil), ""},
		{"label In needs the label", accessor(labels(labelRule(lbl("tier", storagev1alpha1.In, "gold"))), none), namespace("x", active, nil), nil, "spec.namespaceSelector.labelSelector"},
		{"label In with *: any value, but present", accessor(labels(labelRule(lbl("tier", storagev1alpha1.In, "*"))), none), namespace("x", active, map[string]string{"tier": "tin"}), nil, ""},
		{"label In with *: absent fails", accessor(labels(labelRule(lbl("tier", storagev1alpha1.In, "*"))), none), namespace("x", active, map[string]string{}), nil, "spec.namespaceSelector.labelSelector"},
		{"label NotIn passes when absent", accessor(labels(labelRule(lbl("tier", storagev1alpha1.NotIn, "gold"))), none), namespace("x", active, nil), nil, ""},
		{"label NotIn fails on the value", accessor(labels(labelRule(lbl("tier", storagev1alpha1.NotIn, "gold"))), none), namespace("x", active, map[string]string{"tier": "gold"}), nil, "spec.namespaceSelector.labelSelector"},
		{"label NotIn * fails on any present value", accessor(labels(labelRule(lbl("tier", storagev1alpha1.NotIn, "*"))), none), namespace("x", active, map[string]string{"tier": "tin"}), nil, "spec.namespaceSelector.labelSelector"},
		{"an expression without values passes", accessor(labels(labelRule(lbl("tier", storagev1alpha1.In))), none), namespace("x", active, nil), nil, ""},
		{"a rule without expressions passes", accessor(labels(labelRule(), labelRule(lbl("tier", storagev1alpha1.In, "gold"))), none), namespace("x", active, nil), nil, ""},
		{"field Name NotIn *", accessor(fields(fieldRule(fld(storagev1alpha1.FieldName, storagev1alpha1.NotIn, "*"))), none), namespace("x", active, nil), nil, "spec.namespaceSelector.fieldSelector"},
		{"field Status In", accessor(fields(fieldRule(fld(storagev1alpha1.FieldStatus, storagev1alpha1.In, "Active"))), none), namespace("x", active, nil), nil, ""},
		{"workspace Status is not evaluated", accessor(none, fields(fieldRule(fld(storagev1alpha1.FieldStatus, storagev1alpha1.In, "Nothing")))), namespace("x", active, nil), ws("w", nil), ""},
		{"workspace labels", accessor(none, labels(labelRule(lbl("plan", storagev1alpha1.In, "paid")))), namespace("x", active, nil), ws("w", map[string]string{"plan": "free"}), "spec.workspaceSelector.labelSelector"},
		{"label and field lists are ANDed", accessor(storagev1alpha1.AccessorSelector{
			LabelSelector: []storagev1alpha1.LabelRule{labelRule(lbl("tier", storagev1alpha1.In, "gold"))},
			FieldSelector: []storagev1alpha1.FieldRule{fieldRule(fld(storagev1alpha1.FieldName, storagev1alpha1.In, "y"))},
		}, none), namespace("x", active, map[string]string{"tier": "gold"}), nil, "spec.namespaceSelector.fieldSelector"},
		{"expressions of a rule are ANDed", accessor(labels(labelRule(lbl("a", storagev1alpha1.In, "1"), lbl("b", storagev1alpha1.In, "2"))), none), namespace("x", active, map[string]string{"a": "1"}), nil, "spec.namespaceSelector.labelSelector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := storage.CheckAccessor(tt.accessor, tt.ns, tt.ws)
			idx := storage.NewAccessorIndex([]storagev1alpha1.Accessor{*tt.accessor})
			idxErr := idx.Check(tt.accessor.Spec.StorageClassName, tt.ns, tt.ws)
			if tt.deniedBy == "" {
				assert.NoError(t, err)
				assert.NoError(t, idxErr)
				return
			}
			var denied *storage.AccessDeniedError
			require.ErrorAs(t, err, &denied)
			assert.Equal(t, tt.deniedBy, denied.Field)
			assert.Equal(t, tt.accessor.Name, denied.Accessor)
			assert.Equal(t, tt.ns.Name, denied.Namespace)
			assert.True(t, errors.Is(err, storage.ErrAccessDenied))
			assert.Contains(t, err.Error(), `accessor "`+tt.accessor.Name+`"`)
			assert.Equal(t, err, idxErr, "the index words the same refusal")
		})
	}
}

func TestAccessorIndex(t *testing.T) {
	deny := func(n, class string) storagev1alpha1.Accessor {
		return storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: n}, Spec: storagev1alpha1.AccessorSpec{StorageClassName: class,
			NamespaceSelector: storagev1alpha1.AccessorSelector{FieldSelector: []storagev1alpha1.FieldRule{fieldRule(fld(storagev1alpha1.FieldName, storagev1alpha1.NotIn, "*"))}}}}
	}
	allow := func(n, class string) storagev1alpha1.Accessor {
		return storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: n}, Spec: storagev1alpha1.AccessorSpec{StorageClassName: class}}
	}
	x := storage.NewAccessorIndex([]storagev1alpha1.Accessor{deny("z-deny", "gold"), allow("a-allow", "gold"), deny("b-deny", "gold"), allow("open", "silver")})
	ns := namespace("p", corev1.NamespaceActive, nil)

	var denied *storage.AccessDeniedError
	require.ErrorAs(t, x.Check("gold", ns, nil), &denied)
	assert.Equal(t, "b-deny", denied.Accessor, "the first refusing accessor by name")
	assert.NoError(t, x.Check("silver", ns, nil))
	assert.NoError(t, x.Check("bronze", ns, nil), "a class without accessors is open")
	assert.True(t, x.Restricted("gold"))
	assert.True(t, x.Restricted("silver"))
	assert.False(t, x.Restricted("bronze"))
}
