package controllers

import (
	"context"
	"fmt"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Prefixes of the native RBAC objects that mirror iam roles and bindings.
const (
	mirrorPrefix          = "kubesphere:iam:"
	globalMirrorPrefix    = "kubesphere:iam:global:"
	workspaceMirrorPrefix = "kubesphere:iam:workspace:"
)

// creatorRecheck is how often an iam object whose creator may not grant it
// is checked again.
const creatorRecheck = time.Minute

func mirrorName(name string) string          { return mirrorPrefix + name }
func globalMirrorName(name string) string    { return globalMirrorPrefix + name }
func workspaceMirrorName(name string) string { return workspaceMirrorPrefix + name }

// RBACReconciler mirrors iam roles and bindings into native RBAC so the API
// server enforces what they grant, as NativeMirror maps them.
// WorkspaceRoleBindings become one RoleBinding per project of the workspace
// (see NamespaceReconciler). Every mirror is controlled by its source, so the
// garbage collector removes it with the source.
type RBACReconciler struct {
	Common
	// Authorizer, when set, checks the recorded creator of an iam role or
	// binding before it is first mirrored (see Options.Authorizer).
	Authorizer *authz.Authorizer
}

// SetupWithManager registers the reconciler with mgr.
func (r *RBACReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	type mirror struct {
		name   string
		source client.Object
		native client.Object
	}
	for _, m := range []mirror{
		{"rbac-role", &iamv1beta1.Role{}, &rbacv1.Role{}},
		{"rbac-rolebinding", &iamv1beta1.RoleBinding{}, &rbacv1.RoleBinding{}},
		{"rbac-clusterrole", &iamv1beta1.ClusterRole{}, &rbacv1.ClusterRole{}},
		{"rbac-clusterrolebinding", &iamv1beta1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBinding{}},
		{"rbac-globalrole", &iamv1beta1.GlobalRole{}, &rbacv1.ClusterRole{}},
		{"rbac-globalrolebinding", &iamv1beta1.GlobalRoleBinding{}, &rbacv1.ClusterRoleBinding{}},
		{"rbac-workspacerole", &iamv1beta1.WorkspaceRole{}, &rbacv1.ClusterRole{}},
	} {
		err := ctrl.NewControllerManagedBy(mgr).
			Named(m.name).
			For(m.source, r.watchFilter()).
			Owns(m.native).
			WithOptions(options).
			Complete(r.reconcileKind(m.source))
		if err != nil {
			return err
		}
	}
	return nil
}

// mirror applies native, controlled by source, unless source is going away.
func (r *RBACReconciler) mirror(ctx context.Context, source, native client.Object) (reconcile.Result, error) {
	if !source.GetDeletionTimestamp().IsZero() {
		return reconcile.Result{}, nil
	}
	existing := native.DeepCopyObject().(client.Object)
	if err := r.Client.Get(ctx, client.ObjectKeyFromObject(native), existing); apierrors.IsNotFound(err) {
		ok, err := r.creatorMayGrant(ctx, r.Authorizer, source)
		if err != nil {
			return reconcile.Result{}, err
		}
		if !ok {
			// Looked at again later: the creator may be granted more.
			return reconcile.Result{RequeueAfter: creatorRecheck}, nil
		}
	} else if err != nil {
		return reconcile.Result{}, err
	} else if done, err := r.fixBindingMirror(ctx, source, existing, native); err != nil || done {
		// The mirror's watch event brings the source back.
		return reconcile.Result{}, err
	}
	native.SetLabels(map[string]string{tenantv1beta1.ManagedLabel: "true"})
	if err := controllerutil.SetControllerReference(source, native, r.Scheme); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, ensure.Object(ctx, r.Client, native, r.fieldOwner())
}

// reconcileKind returns the reconcile function that mirrors objects of
// proto's kind.
func (r *RBACReconciler) reconcileKind(proto client.Object) reconcile.Func {
	return func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		src := proto.DeepCopyObject().(client.Object)
		if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
			return reconcile.Result{}, client.IgnoreNotFound(err)
		}
		native, _ := NativeMirror(src, "")
		return r.mirror(ctx, src, native)
	}
}

// nonNilRules makes an empty rule list explicit, so applying it clears rules
// the mirror had before.
func nonNilRules(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	if rules == nil {
		return []rbacv1.PolicyRule{}
	}
	return rules
}

// fixBindingMirror makes the changes to an existing native binding
// (existing, mirroring source) that ensure.Object cannot: a binding's
// roleRef cannot change, so a mirror whose source now refers to another
// role is deleted, to be created again (with the creator check of a new
// mirror); and subjects the source no longer has are cleared
// (ensure.Object leaves alone a field the desired object omits, and
// subjects is omitted when empty). A mirror source does not control is
// left to ensure.Object. It reports whether it wrote anything.
func (r Common) fixBindingMirror(ctx context.Context, source, existing, native client.Object) (bool, error) {
	if !metav1.IsControlledBy(existing, source) {
		return false, nil
	}
	var haveRef, wantRef rbacv1.RoleRef
	var haveSubjects, wantSubjects []rbacv1.Subject
	switch e := existing.(type) {
	case *rbacv1.RoleBinding:
		n := native.(*rbacv1.RoleBinding)
		haveRef, wantRef, haveSubjects, wantSubjects = e.RoleRef, n.RoleRef, e.Subjects, n.Subjects
	case *rbacv1.ClusterRoleBinding:
		n := native.(*rbacv1.ClusterRoleBinding)
		haveRef, wantRef, haveSubjects, wantSubjects = e.RoleRef, n.RoleRef, e.Subjects, n.Subjects
	default:
		return false, nil
	}
	switch {
	case haveRef != wantRef:
		uid := existing.GetUID()
		if err := r.Client.Delete(ctx, existing, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("delete mirror %s to change its role: %w", existing.GetName(), err)
		}
		return true, nil
	case len(wantSubjects) == 0 && len(haveSubjects) > 0:
		cleared := existing.DeepCopyObject().(client.Object)
		switch c := cleared.(type) {
		case *rbacv1.RoleBinding:
			c.Subjects = nil
		case *rbacv1.ClusterRoleBinding:
			c.Subjects = nil
		}
		if err := r.Client.Update(ctx, cleared, client.FieldOwner(r.fieldOwner())); err != nil {
			return false, fmt.Errorf("clear subjects of mirror %s: %w", existing.GetName(), err)
		}
		return true, nil
	}
	return false, nil
}
