package controllers

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	tenantv1alpha1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// indexWorkspace indexes Namespaces by their kubesphere.io/workspace label.
const indexWorkspace = "spherekit.network.workspace"

// IsolationReconciler keeps every namespace labelled with its name
// (network.NamespaceLabel) and each project's isolation policy in step with
// network.ModeOf and network.IsolationPolicy. Reconcile requests are
// Namespaces.
type IsolationReconciler struct {
	// Client reads from the manager's cache (with the indexWorkspace field
	// index SetupWithManager registers) and writes.
	Client client.Client
	// FieldOwner is the field manager of what the reconciler writes.
	FieldOwner string
	// AllowedIngressNamespaces, NodeLocalDNS: see Options.
	AllowedIngressNamespaces []string
	NodeLocalDNS             string
	// DNSServices are the cluster DNS Services, the first that exists
	// counting; empty means none.
	DNSServices []types.NamespacedName
}

// SetupWithManager registers the reconciler with mgr.
func (r *IsolationReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, options controller.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &corev1.Namespace{}, indexWorkspace, func(o client.Object) []string {
		if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
			return []string{ws}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("index namespaces by workspace: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("network-isolation").
		For(&corev1.Namespace{}).
		Watches(&tenantv1alpha1.Workspace{}, handler.EnqueueRequestsFromMapFunc(r.workspaceProjects)).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.allProjects),
			builder.WithPredicates(annotationChanged(network.SNATNodeIPsAnnotation))).
		Watches(&corev1.Service{}, handler.EnqueueRequestsFromMapFunc(r.dnsServiceProjects)).
		Watches(&networkv1alpha1.NamespaceNetworkPolicy{}, handler.EnqueueRequestsFromMapFunc(namespaceOf)).
		Watches(&networkingv1.NetworkPolicy{}, handler.EnqueueRequestsFromMapFunc(namespaceOf),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetName() == network.IsolationPolicyName }))).
		WithOptions(options).
		Complete(r)
}

func namespaceOf(_ context.Context, o client.Object) []reconcile.Request {
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: o.GetNamespace()}}}
}

func (r *IsolationReconciler) workspaceProjects(ctx context.Context, o client.Object) []reconcile.Request {
	return r.projects(ctx, client.MatchingFields{indexWorkspace: o.GetName()})
}

func (r *IsolationReconciler) allProjects(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.projects(ctx, client.HasLabels{tenantv1beta1.WorkspaceLabel})
}

func (r *IsolationReconciler) dnsServiceProjects(ctx context.Context, o client.Object) []reconcile.Request {
	if !slices.Contains(r.DNSServices, client.ObjectKeyFromObject(o)) {
		return nil
	}
	return r.allProjects(ctx, o)
}

func (r *IsolationReconciler) projects(ctx context.Context, sel client.ListOption) []reconcile.Request {
	var list corev1.NamespaceList
	if err := r.Client.List(ctx, &list, sel); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list projects to resync their isolation")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, ns := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: ns.Name}})
	}
	return out
}

// annotationChanged passes creations, deletions and updates that change
// annotation key.
func annotationChanged(key string) predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetAnnotations()[key] != e.ObjectNew.GetAnnotations()[key]
		},
	}
}

// Reconcile brings one namespace's label and isolation policy in line.
func (r *IsolationReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var ns corev1.Namespace
	if err := r.Client.Get(ctx, req.NamespacedName, &ns); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !ns.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	if ns.Labels[network.NamespaceLabel] != ns.Name {
		patch := client.MergeFrom(ns.DeepCopy())
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[network.NamespaceLabel] = ns.Name
		if err := r.Client.Patch(ctx, &ns, patch, client.FieldOwner(r.FieldOwner)); err != nil {
			return reconcile.Result{}, fmt.Errorf("label namespace %s: %w", ns.Name, err)
		}
	}
	wsName := ns.Labels[tenantv1beta1.WorkspaceLabel]
	var ws *tenantv1alpha1.Workspace
	if wsName != "" {
		ws = &tenantv1alpha1.Workspace{}
		if err := r.Client.Get(ctx, types.NamespacedName{Name: wsName}, ws); err != nil {
			if apierrors.IsNotFound(err) {
				// As KubeSphere: a project whose workspace is not (yet) there
				// keeps what it has; the workspace's creation resyncs it.
				return reconcile.Result{}, nil
			}
			return reconcile.Result{}, fmt.Errorf("get workspace %s: %w", wsName, err)
		}
	}
	mode := network.ModeOf(&ns, ws)
	var policies networkv1alpha1.NamespaceNetworkPolicyList
	if err := r.Client.List(ctx, &policies, client.InNamespace(ns.Name)); err != nil {
		return reconcile.Result{}, fmt.Errorf("list namespace network policies of %s: %w", ns.Name, err)
	}
	if mode != network.IsolationProject && len(policies.Items) > 0 {
		if err := r.Client.DeleteAllOf(ctx, &networkv1alpha1.NamespaceNetworkPolicy{}, client.InNamespace(ns.Name)); err != nil {
			return reconcile.Result{}, fmt.Errorf("remove the namespace network policies of %s, isolated %s: %w", ns.Name, mode, err)
		}
	}
	if mode == network.IsolationNone {
		return reconcile.Result{}, deletePolicy(ctx, r.Client, ns.Name, network.IsolationPolicyName)
	}
	in := network.IsolationInput{
		Project: ns.Name, Workspace: wsName, Mode: mode,
		AllowedIngressNamespaces: r.AllowedIngressNamespaces,
		NodeLocalDNS:             r.NodeLocalDNS,
		Egress: mode == network.IsolationProject && slices.ContainsFunc(policies.Items, func(p networkv1alpha1.NamespaceNetworkPolicy) bool {
			return len(p.Spec.Egress) > 0
		}),
	}
	var nodes corev1.NodeList
	if err := r.Client.List(ctx, &nodes); err != nil {
		return reconcile.Result{}, fmt.Errorf("list nodes: %w", err)
	}
	in.Nodes = nodes.Items
	if in.Egress {
		for _, key := range r.DNSServices {
			svc := &corev1.Service{}
			err := r.Client.Get(ctx, key, svc)
			if err == nil {
				in.DNSService = svc
				break
			}
			if !apierrors.IsNotFound(err) {
				return reconcile.Result{}, fmt.Errorf("get DNS service %s: %w", key, err)
			}
		}
	}
	return reconcile.Result{}, ensurePolicy(ctx, r.Client, network.IsolationPolicy(in), r.FieldOwner)
}
