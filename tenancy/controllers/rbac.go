package controllers

import (
	"context"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
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
// server enforces what they grant:
//
//	iam Role X (namespace N)        → Role kubesphere:iam:X in N
//	iam RoleBinding X (namespace N) → RoleBinding kubesphere:iam:X in N
//	iam ClusterRole X               → ClusterRole kubesphere:iam:X
//	iam ClusterRoleBinding X        → ClusterRoleBinding kubesphere:iam:X
//	GlobalRole X                    → ClusterRole kubesphere:iam:global:X
//	GlobalRoleBinding X             → ClusterRoleBinding kubesphere:iam:global:X
//	WorkspaceRole X                 → ClusterRole kubesphere:iam:workspace:X
//
// WorkspaceRoleBindings become one RoleBinding per project of the workspace
// (see NamespaceReconciler). Every mirror is controlled by its source, so the
// garbage collector removes it with the source.
type RBACReconciler struct{ reconcilerBase }

func (r *RBACReconciler) setup(mgr ctrl.Manager) error {
	type mirror struct {
		name   string
		source client.Object
		native client.Object
		fn     reconcile.Func
	}
	for _, m := range []mirror{
		{"rbac-role", &iamv1beta1.Role{}, &rbacv1.Role{}, r.role},
		{"rbac-rolebinding", &iamv1beta1.RoleBinding{}, &rbacv1.RoleBinding{}, r.roleBinding},
		{"rbac-clusterrole", &iamv1beta1.ClusterRole{}, &rbacv1.ClusterRole{}, r.clusterRole},
		{"rbac-clusterrolebinding", &iamv1beta1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBinding{}, r.clusterRoleBinding},
		{"rbac-globalrole", &iamv1beta1.GlobalRole{}, &rbacv1.ClusterRole{}, r.globalRole},
		{"rbac-globalrolebinding", &iamv1beta1.GlobalRoleBinding{}, &rbacv1.ClusterRoleBinding{}, r.globalRoleBinding},
		{"rbac-workspacerole", &iamv1beta1.WorkspaceRole{}, &rbacv1.ClusterRole{}, r.workspaceRole},
	} {
		err := ctrl.NewControllerManagedBy(mgr).
			Named(m.name).
			For(m.source).
			Owns(m.native).
			WithOptions(r.opts.controllerOptions()).
			Complete(m.fn)
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
	if err := r.Client.Get(ctx, client.ObjectKeyFromObject(native), native.DeepCopyObject().(client.Object)); apierrors.IsNotFound(err) {
		ok, err := r.creatorMayGrant(ctx, source)
		if err != nil {
			return reconcile.Result{}, err
		}
		if !ok {
			// Looked at again later: the creator may be granted more.
			return reconcile.Result{RequeueAfter: creatorRecheck}, nil
		}
	} else if err != nil {
		return reconcile.Result{}, err
	}
	native.SetLabels(map[string]string{tenantv1beta1.ManagedLabel: "true"})
	if err := controllerutil.SetControllerReference(source, native, r.Scheme); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, ensure.Object(ctx, r.Client, native, r.opts.FieldOwner)
}

func (r *RBACReconciler) role(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.Role{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return r.mirror(ctx, src, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name), Namespace: src.Namespace},
		Rules:      nonNilRules(src.Rules),
	})
}

func (r *RBACReconciler) roleBinding(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.RoleBinding{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: src.RoleRef.Kind, Name: mirrorName(src.RoleRef.Name)}
	return r.mirror(ctx, src, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name), Namespace: src.Namespace},
		Subjects:   src.Subjects,
		RoleRef:    ref,
	})
}

func (r *RBACReconciler) clusterRole(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.ClusterRole{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return r.mirror(ctx, src, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name)},
		Rules:      nonNilRules(src.Rules),
	})
}

func (r *RBACReconciler) clusterRoleBinding(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.ClusterRoleBinding{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return r.mirror(ctx, src, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name)},
		Subjects:   src.Subjects,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: mirrorName(src.RoleRef.Name)},
	})
}

func (r *RBACReconciler) globalRole(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.GlobalRole{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return r.mirror(ctx, src, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: globalMirrorName(src.Name)},
		Rules:      nonNilRules(src.Rules),
	})
}

func (r *RBACReconciler) globalRoleBinding(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.GlobalRoleBinding{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return r.mirror(ctx, src, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: globalMirrorName(src.Name)},
		Subjects:   src.Subjects,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: globalMirrorName(src.RoleRef.Name)},
	})
}

func (r *RBACReconciler) workspaceRole(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &iamv1beta1.WorkspaceRole{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	return r.mirror(ctx, src, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: workspaceMirrorName(src.Name)},
		Rules:      nonNilRules(src.Rules),
	})
}

// nonNilRules makes an empty rule list explicit, so applying it clears rules
// the mirror had before.
func nonNilRules(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	if rules == nil {
		return []rbacv1.PolicyRule{}
	}
	return rules
}
