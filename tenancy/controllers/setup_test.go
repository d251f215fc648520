package controllers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

// TestWatchFilter checks that the reconcilers, run with a watch filter
// value (main_test.go), leave alone what does not carry it, and take it up
// once it does. For each kind, an unlabelled object is created before a
// labelled one; the queue takes them in order, so once the labelled one
// is done the unlabelled one has had its turn.
func TestWatchFilter(t *testing.T) {
	tests := []struct {
		kind string
		// new returns an object of the kind, not yet labelled.
		new func(t *testing.T) client.Object
		// done reports whether the reconciler has dealt with obj.
		done func(t *testing.T, obj client.Object) bool
	}{
		{"WorkspaceTemplate", func(*testing.T) client.Object {
			return &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: name("tpl")}, Spec: placedHere()}
		}, func(t *testing.T, o client.Object) bool {
			return exists(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: o.GetName()}})
		}},
		{"Workspace", func(*testing.T) client.Object {
			return &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
		}, func(t *testing.T, o client.Object) bool {
			return exists(t, o) && controllerutil.ContainsFinalizer(o, tenantv1beta1.CascadingDeletionFinalizer)
		}},
		{"Namespace", func(t *testing.T) client.Object {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: env.NewNamespace(t)}}
			update(t, ns, func(ns *corev1.Namespace) { ns.Labels[tenantv1beta1.WorkspaceLabel] = name("ws") })
			return ns
		}, func(t *testing.T, o client.Object) bool {
			return exists(t, &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: iamv1beta1.ProjectAdmin, Namespace: o.GetName()}})
		}},
		{"ClusterRole", func(*testing.T) client.Object {
			return &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("role")}, Rules: readPods}
		}, func(t *testing.T, o client.Object) bool {
			return exists(t, mirrorOf(t, o))
		}},
		{"User", func(*testing.T) client.Object {
			n := name("user")
			return &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: n}, Spec: iamv1beta1.UserSpec{Email: n + "@example.com", Password: plainPassword}}
		}, func(t *testing.T, o client.Object) bool {
			return exists(t, o) && controllers.IsPasswordHash(o.(*iamv1beta1.User).Spec.Password)
		}},
		{"ResourceQuota", func(*testing.T) client.Object {
			return &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name("quota")}, Spec: quotav1alpha2.ResourceQuotaSpec{
				Selector: map[string]string{"controllers-test/none": "none"},
				Quota:    corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/secrets": resource.MustParse("1")}},
			}}
		}, func(t *testing.T, o client.Object) bool {
			return exists(t, o) && o.(*quotav1alpha2.ResourceQuota).Status.Total.Hard != nil
		}},
	}
	label := func(t *testing.T, o client.Object) {
		update(t, o, func(o client.Object) {
			l := o.GetLabels()
			if l == nil {
				l = map[string]string{}
			}
			l[controllers.WatchFilterLabel] = filterValue
			o.SetLabels(l)
		})
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			ignored := tt.new(t)
			if _, ok := ignored.(*corev1.Namespace); !ok {
				create(t, ignored)
			}
			other := tt.new(t)
			if _, ok := other.(*corev1.Namespace); ok {
				label(t, other)
			} else {
				other.SetLabels(labelled(other.GetLabels()))
				create(t, other)
			}
			eventually(t, func() bool { return tt.done(t, other) }, "a labelled %s is reconciled", tt.kind)
			assert.False(t, tt.done(t, ignored), "an unlabelled %s is left alone", tt.kind)
			label(t, ignored)
			eventually(t, func() bool { return tt.done(t, ignored) }, "once labelled it is reconciled")
		})
	}
}

// placedHere is a WorkspaceTemplate spec placed on every cluster.
func placedHere() tenantv1beta1.WorkspaceTemplateSpec {
	return tenantv1beta1.WorkspaceTemplateSpec{Placement: tenantv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}}}
}
