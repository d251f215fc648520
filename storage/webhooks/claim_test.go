package webhooks_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

func claim(ns, class string) *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name("pvc")},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}
	if class != "" {
		pvc.Spec.StorageClassName = ptr.To(class)
	}
	return pvc
}

func sel(labels []storagev1alpha1.LabelRule, fields []storagev1alpha1.FieldRule) storagev1alpha1.AccessorSelector {
	return storagev1alpha1.AccessorSelector{LabelSelector: labels, FieldSelector: fields}
}

func in(key string, values ...string) []storagev1alpha1.LabelRule {
	return []storagev1alpha1.LabelRule{{MatchExpressions: []storagev1alpha1.LabelExpression{{Key: key, Operator: storagev1alpha1.In, Values: values}}}}
}

func nameIn(values ...string) []storagev1alpha1.FieldRule {
	return []storagev1alpha1.FieldRule{{FieldExpressions: []storagev1alpha1.FieldExpression{{Field: storagev1alpha1.FieldName, Operator: storagev1alpha1.In, Values: values}}}}
}

// TestClaimAdmission creates claims through the real API server, which
// asks the webhook; each case has its own class, workspace and namespace.
func TestClaimAdmission(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// accessors of the case's class, built from its namespace and
		// workspace names.
		accessors func(ns, ws string) []storagev1alpha1.AccessorSpec
		// nsWorkspace is the workspace label of the namespace: "" the
		// case's workspace, "-" none, anything else that name.
		nsWorkspace string
		wsLabels    map[string]string
		classless   bool // the claim names no class
		// deniedBy names the accessor (by index) and the words the refusal
		// must hold; -1 admits.
		deniedBy int
		words    string
	}{
		{name: "a class without accessors", deniedBy: -1},
		{name: "a namespace its accessor selects by name", deniedBy: -1,
			accessors: func(ns, _ string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{NamespaceSelector: sel(nil, nameIn(ns))}}
			}},
		{name: "a namespace its accessor does not select", deniedBy: 0, words: "spec.namespaceSelector.fieldSelector",
			accessors: func(string, string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{NamespaceSelector: sel(nil, nameIn("elsewhere"))}}
			}},
		{name: "every accessor must pass", deniedBy: 1, words: "spec.workspaceSelector.labelSelector",
			accessors: func(ns, _ string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{NamespaceSelector: sel(nil, nameIn(ns))}, {WorkspaceSelector: sel(in("plan", "paid"), nil)}}
			}},
		{name: "a workspace selected by its labels", deniedBy: -1, wsLabels: map[string]string{"plan": "paid"},
			accessors: func(string, string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{WorkspaceSelector: sel(in("plan", "paid"), nil)}}
			}},
		{name: "a workspace selected by name", deniedBy: -1,
			accessors: func(_, ws string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{WorkspaceSelector: sel(nil, nameIn(ws))}}
			}},
		{name: "a namespace in no workspace passes the workspace selector", deniedBy: -1, nsWorkspace: "-",
			accessors: func(string, string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{WorkspaceSelector: sel(nil, nameIn("nowhere"))}}
			}},
		{name: "a namespace naming a missing workspace", deniedBy: 0, nsWorkspace: "ghost", words: "which does not exist",
			accessors: func(string, string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{}}
			}},
		{name: "a claim without a class passes", deniedBy: -1, classless: true,
			accessors: func(string, string) []storagev1alpha1.AccessorSpec {
				return []storagev1alpha1.AccessorSpec{{NamespaceSelector: sel(nil, nameIn("elsewhere"))}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name("sc")}, Provisioner: "example.com/none"}
			create(t, class)
			ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws"), Labels: tt.wsLabels}}
			create(t, ws)
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("proj"), Labels: map[string]string{testenv.NamespaceLabel: "storage-webhooks"}}}
			switch tt.nsWorkspace {
			case "":
				ns.Labels[tenantv1beta1.WorkspaceLabel] = ws.Name
			case "-":
			default:
				ns.Labels[tenantv1beta1.WorkspaceLabel] = tt.nsWorkspace
			}
			create(t, ns)
			var names []string
			if tt.accessors != nil {
				for i, spec := range tt.accessors(ns.Name, ws.Name) {
					spec.StorageClassName = class.Name
					a := &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", class.Name, i)}, Spec: spec}
					create(t, a)
					names = append(names, a.Name)
				}
			}
			cached(t, ns)
			cached(t, ws)
			for _, n := range names {
				cached(t, &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: n}})
			}
			pvcClass := class.Name
			if tt.classless {
				pvcClass = ""
			}
			err := env.Client.Create(ctx, claim(ns.Name, pvcClass), client.DryRunAll)
			if tt.deniedBy < 0 {
				require.NoError(t, err)
				require.NoError(t, env.Client.Create(ctx, claim(ns.Name, pvcClass)))
				return
			}
			require.Error(t, err)
			assert.True(t, apierrors.IsForbidden(err), "a refusal: %v", err)
			assert.Contains(t, err.Error(), fmt.Sprintf("accessor %q", names[tt.deniedBy]))
			assert.Contains(t, err.Error(), tt.words)
			assert.Contains(t, err.Error(), ns.Name)
		})
	}
}

// cached waits until the manager's cache, which the webhook reads, has obj.
func cached(t *testing.T, obj client.Object) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		err := env.Manager.GetCache().Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		return err == nil, client.IgnoreNotFound(err)
	}, "%T %s in the cache", obj, obj.GetName())
}

// TestAccessorChangesTakeEffect: the index is rebuilt when Accessors
// change, both ways.
func TestAccessorChangesTakeEffect(t *testing.T) {
	ctx := context.Background()
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name("sc")}, Provisioner: "example.com/none"}
	create(t, class)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("proj")}}
	create(t, ns)
	cached(t, ns)
	admitted := func() bool { return env.Client.Create(ctx, claim(ns.Name, class.Name), client.DryRunAll) == nil }
	require.True(t, admitted())

	a := &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: name("acc")}, Spec: storagev1alpha1.AccessorSpec{
		StorageClassName: class.Name, NamespaceSelector: sel(nil, nameIn("elsewhere"))}}
	create(t, a)
	testenv.Eventually(t, func() (bool, error) { return !admitted(), nil }, "a new accessor refuses")

	a.Spec.NamespaceSelector = sel(nil, nameIn(ns.Name, "elsewhere"))
	require.NoError(t, env.Client.Update(ctx, a))
	testenv.Eventually(t, func() (bool, error) { return admitted(), nil }, "an updated accessor admits")

	a.Spec.NamespaceSelector = sel(nil, nameIn("elsewhere"))
	require.NoError(t, env.Client.Update(ctx, a))
	testenv.Eventually(t, func() (bool, error) { return !admitted(), nil }, "refused again")
	require.NoError(t, env.Client.Delete(ctx, a))
	testenv.Eventually(t, func() (bool, error) { return admitted(), nil }, "a deleted accessor no longer refuses")
}
