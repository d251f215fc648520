package controllers

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/builtin"
	"github.com/spherekit/spherekit/tenancy/internal/membership"
)

// workspaceBindingLabel marks the native RoleBindings that mirror a
// WorkspaceRoleBinding into one project; its value is the binding's name.
const workspaceBindingLabel = "iam.spherekit.io/workspace-role-binding"

// NamespaceReconciler turns namespaces labelled with a workspace into
// projects: project roles, the creator's admin binding and the workspace's
// role bindings mirrored into native RBAC. A namespace that loses the label
// loses them again.
type NamespaceReconciler struct {
	Common
	// Authorizer, when set, checks the recorded creator of a
	// WorkspaceRoleBinding before it is first mirrored into a project (see
	// Options.Authorizer).
	Authorizer *authz.Authorizer
}

// SetupWithManager registers the reconciler with mgr.
func (r *NamespaceReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, options controller.Options) error {
	for _, o := range []client.Object{&corev1.Namespace{}, &iamv1beta1.WorkspaceRoleBinding{}} {
		if err := mgr.GetFieldIndexer().IndexField(ctx, o, indexWorkspace, workspaceLabelIndex); err != nil {
			return fmt.Errorf("index %T by workspace: %w", o, err)
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("project").
		For(&corev1.Namespace{}, r.watchFilter()).
		Watches(&iamv1beta1.WorkspaceRoleBinding{}, handler.EnqueueRequestsFromMapFunc(r.workspaceProjects)).
		Watches(&iamv1beta1.BuiltinRole{}, handler.EnqueueRequestsFromMapFunc(r.allProjects),
			builder.WithPredicates(scopePredicate(iamv1beta1.ScopeNamespace))).
		Watches(&rbacv1.RoleBinding{}, handler.EnqueueRequestsFromMapFunc(mirrorNamespace)).
		WithOptions(options).
		Complete(r)
}

// mirrorNamespace enqueues the namespace of a mirrored workspace binding,
// so a mirror changed or deleted by someone else is put right, and one
// created late in a namespace that has left its workspace is removed.
func mirrorNamespace(_ context.Context, o client.Object) []reconcile.Request {
	if o.GetLabels()[workspaceBindingLabel] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: o.GetNamespace()}}}
}

func (r *NamespaceReconciler) workspaceProjects(ctx context.Context, o client.Object) []reconcile.Request {
	ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]
	if ws == "" {
		return nil
	}
	return r.projects(ctx, client.MatchingFields{indexWorkspace: ws})
}

func (r *NamespaceReconciler) allProjects(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.projects(ctx, client.HasLabels{tenantv1beta1.WorkspaceLabel})
}

func (r *NamespaceReconciler) projects(ctx context.Context, sel client.ListOption) []reconcile.Request {
	var list corev1.NamespaceList
	if err := r.Client.List(ctx, &list, sel); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list projects")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		if ns := &list.Items[i]; r.filtered(ns) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: ns.Name}})
		}
	}
	return out
}

// Reconcile implements reconcile.Reconciler.
func (r *NamespaceReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !r.filtered(ns) {
		return reconcile.Result{}, nil // enqueued through another kind's event; not ours
	}
	if !ns.DeletionTimestamp.IsZero() {
		// KubeSphere's namespace controller puts its cascading-deletion
		// finalizer on the projects it sets up and, on deletion, only
		// removes it again (and the finalizer of its releases before 4);
		// so does this one, or the namespace would hang.
		for _, f := range []string{tenantv1beta1.CascadingDeletionFinalizer, legacyNamespaceFinalizer} {
			if err := removeFinalizer(ctx, r.Client, ns, f); err != nil {
				return reconcile.Result{}, err
			}
		}
		return reconcile.Result{}, nil
	}
	ws := ns.Labels[tenantv1beta1.WorkspaceLabel]
	if ws == "" {
		return reconcile.Result{}, r.unproject(ctx, ns.Name)
	}
	if err := r.stampRoles(ctx, ns); err != nil {
		return reconcile.Result{}, err
	}
	if creator := ns.Annotations[tenantv1beta1.CreatorAnnotation]; creator != "" {
		scope := membership.Scope{Namespace: ns.Name}
		if _, found, err := membership.Get(ctx, r.Client, scope, creator); err != nil {
			return reconcile.Result{}, err
		} else if !found {
			if _, err := membership.SetLabelled(ctx, r.Client, scope, creator, iamv1beta1.ProjectAdmin, r.withWatchFilter(nil)); err != nil {
				return reconcile.Result{}, fmt.Errorf("bind creator %q: %w", creator, err)
			}
		}
	}
	return reconcile.Result{}, r.mirrorWorkspaceBindings(ctx, ns.Name, ws)
}

// stampRoles creates the project roles of every BuiltinRole of scope
// namespace whose target selector matches the namespace's labels.
func (r *NamespaceReconciler) stampRoles(ctx context.Context, ns *corev1.Namespace) error {
	roles, err := builtin.Matching(ctx, r.Client, iamv1beta1.ScopeNamespace, ns.Labels)
	if err != nil {
		return err
	}
	for _, br := range roles {
		role := &iamv1beta1.Role{}
		if err := builtin.Decode(br, role); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "skip builtin role", "builtinRole", br.Name)
			continue
		}
		role.ObjectMeta = metav1.ObjectMeta{
			Name:        role.Name,
			Namespace:   ns.Name,
			Labels:      r.withWatchFilter(mergeLabels(role.Labels, map[string]string{tenantv1beta1.ManagedLabel: "true"})),
			Annotations: role.Annotations,
		}
		if err := r.createOnce(ctx, role, iamv1beta1.ScopeNamespace); err != nil {
			return fmt.Errorf("create project role %s/%s: %w", ns.Name, role.Name, err)
		}
	}
	return nil
}

// mirrorWorkspaceBindings keeps one native RoleBinding in the project per
// WorkspaceRoleBinding of its workspace, granting the workspace role's
// mirrored ClusterRole there, and removes stale ones.
func (r *NamespaceReconciler) mirrorWorkspaceBindings(ctx context.Context, ns, ws string) error {
	var bindings iamv1beta1.WorkspaceRoleBindingList
	if err := r.Client.List(ctx, &bindings, client.MatchingFields{indexWorkspace: ws}); err != nil {
		return fmt.Errorf("list workspace role bindings: %w", err)
	}
	want := map[string]bool{}
	var errs []error
	for i := range bindings.Items {
		b := &bindings.Items[i]
		if !b.DeletionTimestamp.IsZero() {
			continue
		}
		m, _ := NativeMirror(b, ns)
		native := m.(*rbacv1.RoleBinding)
		native.Labels = map[string]string{
			workspaceBindingLabel:        b.Name,
			tenantv1beta1.WorkspaceLabel: ws,
			tenantv1beta1.ManagedLabel:   "true",
		}
		existing := &rbacv1.RoleBinding{}
		if err := r.Client.Get(ctx, client.ObjectKeyFromObject(native), existing); apierrors.IsNotFound(err) {
			ok, err := r.creatorMayGrant(ctx, r.Authorizer, b)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		} else if err != nil {
			return fmt.Errorf("get mirrored binding: %w", err)
		} else if done, err := r.fixBindingMirror(ctx, b, existing, native); err != nil {
			return err
		} else if done {
			// The mirror's watch event brings the namespace back.
			want[native.Name] = true
			continue
		}
		if err := controllerutil.SetControllerReference(b, native, r.Scheme); err != nil {
			return fmt.Errorf("own mirrored binding: %w", err)
		}
		want[native.Name] = true
		if err := ensure.Object(ctx, r.Client, native, r.fieldOwner()); err != nil {
			// One binding that cannot be mirrored (a RoleBinding of its
			// name with another roleRef) does not hold up the others.
			errs = append(errs, err)
		}
	}
	var existing rbacv1.RoleBindingList
	if err := r.Client.List(ctx, &existing, client.InNamespace(ns), client.HasLabels{workspaceBindingLabel}); err != nil {
		return fmt.Errorf("list mirrored bindings: %w", err)
	}
	for i := range existing.Items {
		if !want[existing.Items[i].Name] {
			if err := r.Client.Delete(ctx, &existing.Items[i]); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete stale mirrored binding %s: %w", existing.Items[i].Name, err)
			}
		}
	}
	return errors.Join(errs...)
}

// unproject removes what made a namespace a project: its iam roles and
// bindings (and so their native mirrors) and the mirrored workspace bindings.
// A namespace counts as a former project when it still holds stamped roles
// or mirrored workspace bindings; iam roles in namespaces that never were
// projects are left alone.
func (r *NamespaceReconciler) unproject(ctx context.Context, ns string) error {
	var stamped iamv1beta1.RoleList
	if err := r.Client.List(ctx, &stamped, client.InNamespace(ns), client.MatchingLabels{tenantv1beta1.ManagedLabel: "true"}); err != nil {
		return fmt.Errorf("list project roles: %w", err)
	}
	var mirrored rbacv1.RoleBindingList
	if err := r.Client.List(ctx, &mirrored, client.InNamespace(ns), client.HasLabels{workspaceBindingLabel}); err != nil {
		return fmt.Errorf("list mirrored bindings: %w", err)
	}
	if len(stamped.Items)+len(mirrored.Items) == 0 {
		return nil
	}
	for _, obj := range []client.Object{&iamv1beta1.RoleBinding{}, &iamv1beta1.Role{}} {
		if err := r.Client.DeleteAllOf(ctx, obj, client.InNamespace(ns)); err != nil {
			return fmt.Errorf("delete project roles and bindings: %w", err)
		}
	}
	for i := range mirrored.Items {
		if err := r.Client.Delete(ctx, &mirrored.Items[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete mirrored binding: %w", err)
		}
	}
	return nil
}

// qualifiedSubjects drops ServiceAccount subjects without a namespace from a
// workspace binding's subjects. Such a subject names no account of a
// cluster-wide binding (the CRD refuses it now; older objects may hold
// one), but copied into a RoleBinding Kubernetes would read it as the
// project's own service account and grant it there.
func qualifiedSubjects(subjects []rbacv1.Subject) []rbacv1.Subject {
	out := make([]rbacv1.Subject, 0, len(subjects))
	for _, s := range subjects {
		if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
			continue
		}
		out = append(out, s)
	}
	return out
}
