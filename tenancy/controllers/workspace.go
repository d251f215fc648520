package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/internal/builtin"
	"github.com/spherekit/spherekit/tenancy/internal/membership"
)

// hostClusterLabel marks KubeSphere's host Cluster object; a placement's
// cluster selector is matched against it for this cluster.
const hostClusterLabel = "cluster-role.kubesphere.io/host"

// DefaultHostClusterName is KubeSphere's default name of the host cluster,
// the name this cluster has in WorkspaceTemplate placements unless
// Options.HostClusterName says otherwise.
const DefaultHostClusterName = "host"

// WorkspaceTemplateReconciler keeps a Workspace of the same name in step
// with each WorkspaceTemplate placed on this cluster: its labels,
// annotations and spec. Placement is read as KubeSphere's workspace template
// controller reads it: the clusters listed by name when there are any,
// else the clusters spec.placement.clusterSelector matches (an empty
// selector matches every cluster), and no cluster for an empty placement.
// This cluster is the host cluster: named HostClusterName and labelled
// cluster-role.kubesphere.io/host. A template not placed here has no
// Workspace here (one there is deleted).
//
// The Workspace is owned by the template, so deleting the template deletes
// it. A template KubeSphere's controller has set up carries the
// kubesphere.io/cascading-deletion finalizer and a Workspace without owner
// reference; deleting it, the reconciler does what that finalizer stands
// for: it copies the template's kubesphere.io/deletion-propagation
// annotation to the Workspace, deletes the Workspace and removes the
// finalizer. The annotation is also kept copied while the template lives,
// so a template without the finalizer, removed by the garbage collector,
// hands it on too when it was set before the deletion.
type WorkspaceTemplateReconciler struct {
	Common
	// HostClusterName is this cluster's name in placements; empty means
	// DefaultHostClusterName.
	HostClusterName string
}

// SetupWithManager registers the reconciler with mgr.
func (r *WorkspaceTemplateReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspacetemplate").
		For(&tenantv1beta1.WorkspaceTemplate{}, r.watchFilter()).
		Owns(&tenantv1beta1.Workspace{}).
		WithOptions(options).
		Complete(r)
}

// Reconcile implements reconcile.Reconciler.
func (r *WorkspaceTemplateReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	tpl := &tenantv1beta1.WorkspaceTemplate{}
	if err := r.Client.Get(ctx, req.NamespacedName, tpl); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !tpl.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(tpl, tenantv1beta1.CascadingDeletionFinalizer) {
			return reconcile.Result{}, nil
		}
		if err := r.deleteWorkspace(ctx, tpl); err != nil {
			return reconcile.Result{}, err
		}
		return reconcile.Result{}, removeFinalizer(ctx, r.Client, tpl, tenantv1beta1.CascadingDeletionFinalizer)
	}
	if !r.placedHere(tpl) {
		return reconcile.Result{}, r.notPlacedHere(ctx, tpl)
	}
	ann := maps.Clone(tpl.Spec.Template.Annotations)
	if policy, ok := tpl.Annotations[tenantv1beta1.DeletionPropagationAnnotation]; ok && policy != "" {
		if ann == nil {
			ann = map[string]string{}
		}
		ann[tenantv1beta1.DeletionPropagationAnnotation] = policy
	}
	ws := &tenantv1beta1.Workspace{
		ObjectMeta: metav1.ObjectMeta{
			Name:        tpl.Name,
			Labels:      r.withWatchFilter(maps.Clone(tpl.Spec.Template.Labels)),
			Annotations: ann,
			// Created with the finalizer WorkspaceReconciler adds, which
			// saves it an update; ensure.Object leaves finalizers of an
			// existing Workspace alone.
			Finalizers: []string{tenantv1beta1.CascadingDeletionFinalizer},
		},
		Spec: tpl.Spec.Template.Spec,
	}
	if err := controllerutil.SetControllerReference(tpl, ws, r.Scheme); err != nil {
		return reconcile.Result{}, fmt.Errorf("own workspace %s: %w", ws.Name, err)
	}
	if err := ensure.Object(ctx, r.Client, ws, r.fieldOwner()); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, nil
}

// placedHere reports whether tpl's placement selects this cluster, as
// KubeSphere's controller matches a template to a cluster.
func (r *WorkspaceTemplateReconciler) placedHere(tpl *tenantv1beta1.WorkspaceTemplate) bool {
	p := tpl.Spec.Placement
	if len(p.Clusters) > 0 {
		host := r.HostClusterName
		if host == "" {
			host = DefaultHostClusterName
		}
		return slices.ContainsFunc(p.Clusters, func(c tenantv1beta1.ClusterReference) bool { return c.Name == host })
	}
	if p.ClusterSelector == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(p.ClusterSelector)
	return err == nil && sel.Matches(labels.Set{hostClusterLabel: ""})
}

// notPlacedHere removes the Workspace of a template placed elsewhere.
// A template spherekit's Client wrote before it followed KubeSphere (an
// empty placement, and a Workspace the template controls: KubeSphere never
// sets that owner reference) is given the placement the Client writes now,
// clusterSelector {}, instead, so its workspace stays.
func (r *WorkspaceTemplateReconciler) notPlacedHere(ctx context.Context, tpl *tenantv1beta1.WorkspaceTemplate) error {
	ws := &tenantv1beta1.Workspace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: tpl.Name}, ws); err != nil {
		return client.IgnoreNotFound(err)
	}
	p := tpl.Spec.Placement
	if len(p.Clusters) == 0 && p.ClusterSelector == nil && metav1.IsControlledBy(ws, tpl) && ws.DeletionTimestamp.IsZero() {
		before := tpl.DeepCopy()
		tpl.Spec.Placement.ClusterSelector = &metav1.LabelSelector{}
		if err := r.Client.Patch(ctx, tpl, client.MergeFrom(before)); err != nil {
			return fmt.Errorf("place workspace template %s on every cluster: %w", tpl.Name, err)
		}
		ctrl.LoggerFrom(ctx).Info("gave a workspace template written with an empty placement clusterSelector {}, as its workspace exists", "workspaceTemplate", tpl.Name)
		return nil
	}
	// Only the Workspace read here: one created since is looked at when
	// its event comes.
	uid := ws.UID
	if err := r.Client.Delete(ctx, ws, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete workspace %s placed elsewhere: %w", tpl.Name, err)
	}
	return nil
}

// deleteWorkspace is what KubeSphere's cascading-deletion finalizer on a
// template stands for: the Workspace gets the template's
// deletion-propagation annotation, which decides what becomes of its
// projects, and is deleted.
func (r *WorkspaceTemplateReconciler) deleteWorkspace(ctx context.Context, tpl *tenantv1beta1.WorkspaceTemplate) error {
	ws := &tenantv1beta1.Workspace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: tpl.Name}, ws); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !ws.DeletionTimestamp.IsZero() {
		return nil
	}
	if policy, ok := tpl.Annotations[tenantv1beta1.DeletionPropagationAnnotation]; ok && ws.Annotations[tenantv1beta1.DeletionPropagationAnnotation] != policy {
		before := ws.DeepCopy()
		if ws.Annotations == nil {
			ws.Annotations = map[string]string{}
		}
		ws.Annotations[tenantv1beta1.DeletionPropagationAnnotation] = policy
		if err := r.Client.Patch(ctx, ws, client.MergeFrom(before)); err != nil {
			return fmt.Errorf("hand the deletion propagation on to workspace %s: %w", ws.Name, err)
		}
	}
	if err := r.Client.Delete(ctx, ws); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete workspace %s: %w", ws.Name, err)
	}
	return nil
}

// WorkspaceReconciler gives each Workspace its roles and its manager's
// binding, and on deletion handles its projects as the workspace's
// deletion-propagation annotation says.
type WorkspaceReconciler struct{ Common }

// SetupWithManager registers the reconciler with mgr.
func (r *WorkspaceReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspace").
		For(&tenantv1beta1.Workspace{}, r.watchFilter()).
		Watches(&iamv1beta1.BuiltinRole{}, handler.EnqueueRequestsFromMapFunc(r.allWorkspaces),
			builder.WithPredicates(scopePredicate(iamv1beta1.ScopeWorkspace))).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.terminatingOwner)).
		WithOptions(options).
		Complete(r)
}

// allWorkspaces enqueues every workspace, for a changed BuiltinRole.
func (r *WorkspaceReconciler) allWorkspaces(ctx context.Context, _ client.Object) []reconcile.Request {
	var list tenantv1beta1.WorkspaceList
	if err := r.Client.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list workspaces for a changed builtin role")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		if ws := &list.Items[i]; r.filtered(ws) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: ws.Name}})
		}
	}
	return out
}

// terminatingOwner enqueues a namespace's workspace, so a Foreground deletion
// waiting for its projects moves on when one goes.
func (r *WorkspaceReconciler) terminatingOwner(_ context.Context, o client.Object) []reconcile.Request {
	if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" && !o.GetDeletionTimestamp().IsZero() {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: ws}}}
	}
	return nil
}

// Reconcile implements reconcile.Reconciler.
func (r *WorkspaceReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ws := &tenantv1beta1.Workspace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ws); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !r.filtered(ws) {
		return reconcile.Result{}, nil // enqueued through another kind's event; not ours
	}
	if !ws.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, ws)
	}
	if controllerutil.AddFinalizer(ws, tenantv1beta1.CascadingDeletionFinalizer) {
		if err := r.Client.Update(ctx, ws); err != nil {
			return reconcile.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}
	if err := r.stampRoles(ctx, ws); err != nil {
		return reconcile.Result{}, err
	}
	if ws.Spec.Manager != "" {
		if err := r.bindManager(ctx, ws); err != nil {
			return reconcile.Result{}, fmt.Errorf("bind manager %q: %w", ws.Spec.Manager, err)
		}
	}
	return reconcile.Result{}, nil
}

// bindManager binds the workspace's manager as its admin the way
// KubeSphere's workspace template controller does: one
// WorkspaceRoleBinding named like the admin role (ManagerBindingName:
// "<workspace>-admin", or "admin.<hash>" for long names) with the
// workspace, user-ref and role-ref labels and a User subject in
// iam.kubesphere.io. A new manager takes the binding over. The manager's
// other member bindings in the workspace (such as "<manager>-<workspace>-admin",
// spherekit's name for it before it followed KubeSphere) are removed, so the
// manager is bound once.
func (r *WorkspaceReconciler) bindManager(ctx context.Context, ws *tenantv1beta1.Workspace) error {
	manager := ws.Spec.Manager
	name := iamv1beta1.ManagerBindingName(ws.Name)
	b := &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: r.withWatchFilter(map[string]string{
				tenantv1beta1.WorkspaceLabel:  ws.Name,
				iamv1beta1.UserReferenceLabel: manager,
				iamv1beta1.RoleReferenceLabel: name,
			}),
		},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: iamv1beta1.GroupName, Name: manager}},
		RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: name},
	}
	if err := ensure.Object(ctx, r.Client, b, r.fieldOwner()); err != nil {
		return err
	}
	members, err := membership.List(ctx, r.Client, membership.Scope{Workspace: ws.Name})
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.User != manager || m.Binding == name {
			continue
		}
		other := &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: m.Binding}}
		if err := r.Client.Delete(ctx, other); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete the manager's other binding %s: %w", m.Binding, err)
		}
	}
	return nil
}

// stampRoles creates the workspace roles of every BuiltinRole of scope
// workspace whose target selector matches the workspace's labels. Existing
// roles are left as they are: they belong to the administrators.
func (r *WorkspaceReconciler) stampRoles(ctx context.Context, ws *tenantv1beta1.Workspace) error {
	roles, err := builtin.Matching(ctx, r.Client, iamv1beta1.ScopeWorkspace, ws.Labels)
	if err != nil {
		return err
	}
	for _, br := range roles {
		role := &iamv1beta1.WorkspaceRole{}
		if err := builtin.Decode(br, role); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "skip builtin role", "builtinRole", br.Name)
			continue
		}
		short := role.Name
		role.ObjectMeta = metav1.ObjectMeta{
			Name:        iamv1beta1.WorkspaceRoleName(ws.Name, short),
			Labels:      r.withWatchFilter(mergeLabels(role.Labels, map[string]string{tenantv1beta1.WorkspaceLabel: ws.Name})),
			Annotations: role.Annotations,
		}
		if err := controllerutil.SetOwnerReference(ws, role, r.Scheme); err != nil {
			return fmt.Errorf("own workspace role: %w", err)
		}
		if err := r.createOnce(ctx, role, iamv1beta1.ScopeWorkspace); err != nil {
			return fmt.Errorf("create workspace role %s: %w", role.Name, err)
		}
	}
	return nil
}

// finalize handles the workspace's projects, removes its roles and bindings
// and then the finalizer.
func (r *WorkspaceReconciler) finalize(ctx context.Context, ws *tenantv1beta1.Workspace) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(ws, tenantv1beta1.CascadingDeletionFinalizer) {
		return reconcile.Result{}, nil
	}
	var nss corev1.NamespaceList
	if err := r.Client.List(ctx, &nss, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws.Name}); err != nil {
		return reconcile.Result{}, fmt.Errorf("list projects: %w", err)
	}
	policy := ws.Annotations[tenantv1beta1.DeletionPropagationAnnotation]
	waiting := 0
	for i := range nss.Items {
		ns := &nss.Items[i]
		switch policy {
		case tenantv1beta1.DeletionPropagationBackground, tenantv1beta1.DeletionPropagationForeground:
			if ns.DeletionTimestamp.IsZero() {
				if err := r.Client.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
					return reconcile.Result{}, fmt.Errorf("delete project %s: %w", ns.Name, err)
				}
			}
			waiting++
		default: // Orphan
			patch := map[string]any{"metadata": map[string]any{"labels": map[string]any{tenantv1beta1.WorkspaceLabel: nil}}}
			data, err := json.Marshal(patch)
			if err != nil {
				return reconcile.Result{}, err
			}
			if err := r.Client.Patch(ctx, ns, client.RawPatch("application/merge-patch+json", data)); client.IgnoreNotFound(err) != nil {
				return reconcile.Result{}, fmt.Errorf("orphan project %s: %w", ns.Name, err)
			}
		}
	}
	if policy == tenantv1beta1.DeletionPropagationForeground && waiting > 0 {
		// Foreground: the workspace goes only after its projects are gone.
		return reconcile.Result{RequeueAfter: 2 * time.Second}, nil
	}
	sel := client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws.Name}
	if err := r.Client.DeleteAllOf(ctx, &iamv1beta1.WorkspaceRoleBinding{}, sel); err != nil {
		return reconcile.Result{}, fmt.Errorf("delete workspace role bindings: %w", err)
	}
	if err := r.Client.DeleteAllOf(ctx, &iamv1beta1.WorkspaceRole{}, sel); err != nil {
		return reconcile.Result{}, fmt.Errorf("delete workspace roles: %w", err)
	}
	controllerutil.RemoveFinalizer(ws, tenantv1beta1.CascadingDeletionFinalizer)
	if err := r.Client.Update(ctx, ws); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("remove finalizer: %w", err)
	}
	return reconcile.Result{}, nil
}

func scopePredicate(scope string) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetLabels()[iamv1beta1.ScopeLabel] == scope
	})
}

func mergeLabels(base, extra map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, extra)
	return out
}
