package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// indexServicePeers indexes NamespaceNetworkPolicies by the Services their
// peers name ("namespace/name").
const indexServicePeers = "spherekit.network.servicepeers"

// Event reasons of PolicyReconciler.
const (
	// ReasonInvalidPeer: a peer of the policy cannot be converted.
	ReasonInvalidPeer = "InvalidPeer"
	// ReasonReservedName: the policy's native name is the isolation
	// policy's.
	ReasonReservedName = "ReservedName"
)

// PolicyReconciler keeps the native NetworkPolicy of each
// NamespaceNetworkPolicy (network.NativePolicy) in step with it.
type PolicyReconciler struct {
	// Client reads from the manager's cache (with the indexServicePeers
	// field index SetupWithManager registers) and writes.
	Client client.Client
	// Scheme sets owner references.
	Scheme *runtime.Scheme
	// FieldOwner is the field manager of what the reconciler writes.
	FieldOwner string
	// Recorder records the Warning events of policies that cannot be
	// converted.
	Recorder recorder.EventRecorder
}

// SetupWithManager registers the reconciler with mgr.
func (r *PolicyReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, options controller.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &networkv1alpha1.NamespaceNetworkPolicy{}, indexServicePeers, servicePeers); err != nil {
		return fmt.Errorf("index namespace network policies by service: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("network-policy").
		For(&networkv1alpha1.NamespaceNetworkPolicy{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Watches(&corev1.Service{}, handler.EnqueueRequestsFromMapFunc(r.policiesNaming)).
		WithOptions(options).
		Complete(r)
}

func servicePeers(o client.Object) []string {
	p := o.(*networkv1alpha1.NamespaceNetworkPolicy)
	var out []string
	add := func(peers []networkv1alpha1.NetworkPolicyPeer) {
		for _, peer := range peers {
			if peer.Service != nil {
				out = append(out, peer.Service.Namespace+"/"+peer.Service.Name)
			}
		}
	}
	for _, rule := range p.Spec.Ingress {
		add(rule.From)
	}
	for _, rule := range p.Spec.Egress {
		add(rule.To)
	}
	return out
}

func (r *PolicyReconciler) policiesNaming(ctx context.Context, o client.Object) []reconcile.Request {
	var list networkv1alpha1.NamespaceNetworkPolicyList
	if err := r.Client.List(ctx, &list, client.MatchingFields{indexServicePeers: o.GetNamespace() + "/" + o.GetName()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list namespace network policies naming a service")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, p := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&p)})
	}
	return out
}

// Reconcile converts one NamespaceNetworkPolicy.
func (r *PolicyReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var p networkv1alpha1.NamespaceNetworkPolicy
	if err := r.Client.Get(ctx, req.NamespacedName, &p); err != nil {
		if apierrors.IsNotFound(err) {
			// The garbage collector removes the native policy of a deleted
			// one; this covers one made before it was owned.
			return reconcile.Result{}, deletePolicy(ctx, r.Client, req.Namespace, networkv1alpha1.NativePolicyPrefix+req.Name)
		}
		return reconcile.Result{}, err
	}
	if !p.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	if networkv1alpha1.NativePolicyPrefix+p.Name == network.IsolationPolicyName {
		r.Recorder.Eventf(&p, nil, corev1.EventTypeWarning, ReasonReservedName, "Convert",
			"not converted: its native policy would be %s, the project's isolation policy", network.IsolationPolicyName)
		return reconcile.Result{}, nil
	}
	native, err := network.NativePolicy(&p, func(namespace, name string) (*corev1.Service, error) {
		svc := &corev1.Service{}
		return svc, r.Client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, svc)
	})
	if pe := (*network.PolicyPeerError)(nil); errors.As(err, &pe) && !isTransient(pe.Err) {
		// The Service watch brings the policy back when the Service is
		// created or gets a selector.
		r.Recorder.Eventf(&p, nil, corev1.EventTypeWarning, ReasonInvalidPeer, "Convert", "not converted: %s: %v", pe.Field, pe.Err)
		return reconcile.Result{}, nil
	}
	if err != nil {
		return reconcile.Result{}, err
	}
	if err := controllerutil.SetControllerReference(&p, native, r.Scheme); err != nil {
		return reconcile.Result{}, fmt.Errorf("own %s: %w", native.Name, err)
	}
	return reconcile.Result{}, ensurePolicy(ctx, r.Client, native, r.FieldOwner)
}

// isTransient tells a failed read (retry) from a missing Service (wait for
// it).
func isTransient(err error) bool {
	var status apierrors.APIStatus
	return errors.As(err, &status) && !apierrors.IsNotFound(err)
}

// ensurePolicy creates want, or updates the existing policy's spec and owner
// references when they differ from want's after the API server's defaulting.
func ensurePolicy(ctx context.Context, c client.Client, want *networkingv1.NetworkPolicy, owner string) error {
	have := &networkingv1.NetworkPolicy{}
	err := c.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		if err := c.Create(ctx, want, client.FieldOwner(owner)); err != nil {
			return fmt.Errorf("create network policy %s/%s: %w", want.Namespace, want.Name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get network policy %s/%s: %w", want.Namespace, want.Name, err)
	}
	same, err := sameSpec(have.Spec, want.Spec)
	if err != nil {
		return err
	}
	missing := missingOwners(have.OwnerReferences, want.OwnerReferences)
	if same && len(missing) == 0 {
		return nil
	}
	have.Spec = want.Spec
	have.OwnerReferences = append(have.OwnerReferences, missing...)
	if err := c.Update(ctx, have, client.FieldOwner(owner)); err != nil {
		return fmt.Errorf("update network policy %s/%s: %w", want.Namespace, want.Name, err)
	}
	return nil
}

// deletePolicy deletes network policy namespace/name if it exists.
func deletePolicy(ctx context.Context, c client.Client, namespace, name string) error {
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if err := c.Delete(ctx, np); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete network policy %s/%s: %w", namespace, name, err)
	}
	return nil
}

func missingOwners(have, want []metav1.OwnerReference) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h metav1.OwnerReference) bool { return h.UID == w.UID }) {
			out = append(out, w)
		}
	}
	return out
}

// sameSpec compares two specs as the API server stores them: empty lists
// are absent on the wire, a port without protocol is TCP, and policyTypes
// default as the API server defaults them.
func sameSpec(a, b networkingv1.NetworkPolicySpec) (bool, error) {
	ja, err := wireSpec(a)
	if err != nil {
		return false, err
	}
	jb, err := wireSpec(b)
	if err != nil {
		return false, err
	}
	return string(ja) == string(jb), nil
}

func wireSpec(spec networkingv1.NetworkPolicySpec) ([]byte, error) {
	spec = *spec.DeepCopy()
	tcp := corev1.ProtocolTCP
	defaultPorts := func(ports []networkingv1.NetworkPolicyPort) {
		for i := range ports {
			if ports[i].Protocol == nil {
				ports[i].Protocol = &tcp
			}
		}
	}
	for i := range spec.Ingress {
		defaultPorts(spec.Ingress[i].Ports)
	}
	for i := range spec.Egress {
		defaultPorts(spec.Egress[i].Ports)
	}
	if len(spec.PolicyTypes) == 0 {
		spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(spec.Egress) > 0 {
			spec.PolicyTypes = append(spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode network policy spec: %w", err)
	}
	return data, nil
}
