package controllers

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// KubeSphere's finalizers on objects spherekit's controllers reconcile too
// (KubeSphere v4.1.3, pkg/controller/<kind>/<kind>_controller.go; the
// legacy ones are those its controllers still remove from objects of
// earlier releases).
const (
	globalRoleFinalizer           = "finalizers.kubesphere.io/globalroles"
	globalRoleBindingFinalizer    = "finalizers.kubesphere.io/globalrolebindings"
	workspaceRoleFinalizer        = "finalizers.kubesphere.io/workspaceroles"
	workspaceRoleBindingFinalizer = "finalizers.kubesphere.io/workspacerolebindings"
	groupFinalizer                = "finalizers.kubesphere.io/groups"
	// KubeSphere spells it so.
	groupBindingFinalizer = "finalizers.kubesphere.io/groupsbindings"

	legacyWorkspaceFinalizer         = "finalizers.tenant.kubesphere.io"
	legacyWorkspaceTemplateFinalizer = "finalizers.workspacetemplate.kubesphere.io"
	legacyNamespaceFinalizer         = "finalizers.kubesphere.io/namespaces"
)

// KubeSphereFinalizerReconciler completes the deletion of objects that
// carry a KubeSphere finalizer, so they do not hang where KubeSphere's own
// controllers do not run: it does the cleanup the finalizer stands for in
// KubeSphere, in what it means on one cluster, and removes the finalizer.
// It adds none of them.
//
//   - global roles and bindings, workspace roles and bindings: KubeSphere
//     deletes their copies in member clusters; here their native mirrors
//     are controlled by them and go with them, so nothing is left to do.
//   - group bindings: KubeSphere takes the group out of its users'
//     spec.groups; UserReconciler counts no binding that is being deleted,
//     so that happens without waiting for the finalizer.
//   - groups: KubeSphere deletes the group's GroupBindings and its role
//     bindings (workspace role bindings, native role and cluster role
//     bindings, all labelled iam.kubesphere.io/group-ref); so does this
//     reconciler, with the iam role and cluster role bindings so labelled.
//   - Workspaces and WorkspaceTemplates: the finalizers of KubeSphere
//     releases before 4 (their work is WorkspaceReconciler's and
//     WorkspaceTemplateReconciler's now).
type KubeSphereFinalizerReconciler struct{ Common }

// finalizedKind is a kind that may carry KubeSphere finalizers, and the
// cleanup each stands for (nil: nothing to do here).
type finalizedKind struct {
	name       string
	new        func() client.Object
	finalizers []string
	cleanup    func(ctx context.Context, c client.Client, obj client.Object) error
}

var finalizedKinds = []finalizedKind{
	{"globalrole", func() client.Object { return &iamv1beta1.GlobalRole{} }, []string{globalRoleFinalizer}, nil},
	{"globalrolebinding", func() client.Object { return &iamv1beta1.GlobalRoleBinding{} }, []string{globalRoleBindingFinalizer}, nil},
	{"workspacerole", func() client.Object { return &iamv1beta1.WorkspaceRole{} }, []string{workspaceRoleFinalizer}, nil},
	{"workspacerolebinding", func() client.Object { return &iamv1beta1.WorkspaceRoleBinding{} }, []string{workspaceRoleBindingFinalizer}, nil},
	{"group", func() client.Object { return &iamv1beta1.Group{} }, []string{groupFinalizer}, deleteGroupBindings},
	{"groupbinding", func() client.Object { return &iamv1beta1.GroupBinding{} }, []string{groupBindingFinalizer}, nil},
	{"workspace", func() client.Object { return &tenantv1beta1.Workspace{} }, []string{legacyWorkspaceFinalizer}, nil},
	{"workspacetemplate", func() client.Object { return &tenantv1beta1.WorkspaceTemplate{} }, []string{legacyWorkspaceTemplateFinalizer}, nil},
}

// SetupWithManager registers the reconciler with mgr: one controller per
// kind, seeing only objects being deleted that carry one of the kind's
// KubeSphere finalizers.
func (r *KubeSphereFinalizerReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	for _, k := range finalizedKinds {
		held := predicate.NewPredicateFuncs(func(o client.Object) bool {
			return !o.GetDeletionTimestamp().IsZero() && slices.ContainsFunc(k.finalizers, func(f string) bool { return slices.Contains(o.GetFinalizers(), f) })
		})
		err := ctrl.NewControllerManagedBy(mgr).
			Named("kubesphere-finalizer-"+k.name).
			For(k.new(), r.watchFilter(), builder.WithPredicates(held)).
			WithOptions(options).
			Complete(reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
				return reconcile.Result{}, r.finalize(ctx, k, req)
			}))
		if err != nil {
			return err
		}
	}
	return nil
}

// finalize does k's cleanup for the object req names, when it is being
// deleted and holds one of k's finalizers, and removes them.
func (r *KubeSphereFinalizerReconciler) finalize(ctx context.Context, k finalizedKind, req reconcile.Request) error {
	obj := k.new()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	if obj.GetDeletionTimestamp().IsZero() {
		return nil
	}
	for _, f := range k.finalizers {
		if !slices.Contains(obj.GetFinalizers(), f) {
			continue
		}
		if k.cleanup != nil {
			if err := k.cleanup(ctx, r.Client, obj); err != nil {
				return err
			}
		}
		if err := removeFinalizer(ctx, r.Client, obj, f); err != nil {
			return err
		}
	}
	return nil
}

// deleteGroupBindings deletes what binds group: its GroupBindings and the
// role bindings labelled with it (iam and native, every scope).
func deleteGroupBindings(ctx context.Context, c client.Client, group client.Object) error {
	if len(validation.IsValidLabelValue(group.GetName())) > 0 {
		return nil // no object can be labelled with it
	}
	sel := client.MatchingLabels{iamv1beta1.GroupReferenceLabel: group.GetName()}
	for _, list := range []client.ObjectList{
		&iamv1beta1.GroupBindingList{},
		&iamv1beta1.WorkspaceRoleBindingList{},
		&iamv1beta1.RoleBindingList{},
		&iamv1beta1.ClusterRoleBindingList{},
		&rbacv1.RoleBindingList{},
		&rbacv1.ClusterRoleBindingList{},
	} {
		if err := c.List(ctx, list, sel); err != nil {
			return fmt.Errorf("list bindings of group %s: %w", group.GetName(), err)
		}
		err := forEachObject(list, func(o client.Object) error {
			if err := c.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete %s of group %s: %w", o.GetName(), group.GetName(), err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
