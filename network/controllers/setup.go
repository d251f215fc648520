package controllers

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/network"
)

// DefaultFieldOwner is the field manager of what the network controllers
// write.
const DefaultFieldOwner = "spherekit-network"

// Options configures the network controllers. The zero value gives
// KubeSphere's defaults.
type Options struct {
	// FieldOwner is the field manager of what the controllers write; empty
	// means DefaultFieldOwner.
	FieldOwner string

	// Controller configures both controllers (MaxConcurrentReconciles,
	// SkipNameValidation, rate limiters ...).
	Controller controller.Options

	// AllowedIngressNamespaces may reach every isolated project
	// (KubeSphere's nsnpOptions.allowedIngressNamespaces), e.g. an ingress
	// controller's or a monitoring system's namespace.
	AllowedIngressNamespaces []string

	// NodeLocalDNS is the node-local DNS cache address isolated projects
	// with egress rules may reach; empty means network.DefaultNodeLocalDNS.
	NodeLocalDNS string

	// DNSServices are the cluster DNS Services ("namespace/name") whose pods
	// isolated projects with egress rules may reach, the first that exists;
	// nil means network.DefaultDNSServices.
	DNSServices []string
}

// OptionsError reports an invalid Options field (the SDK's one input-error
// shape).
type OptionsError = fielderr.Invalid

func (o Options) validate() error {
	if o.Controller.MaxConcurrentReconciles < 0 {
		return &OptionsError{Field: "Controller.MaxConcurrentReconciles", Reason: "must not be negative"}
	}
	if o.NodeLocalDNS != "" {
		if _, err := netip.ParseAddr(o.NodeLocalDNS); err != nil {
			return &OptionsError{Field: "NodeLocalDNS", Reason: "not an IP address", Err: err}
		}
	}
	for i, s := range o.DNSServices {
		if _, err := serviceKey(s); err != nil {
			return &OptionsError{Field: fmt.Sprintf("DNSServices[%d]", i), Reason: err.Error()}
		}
	}
	for i, ns := range o.AllowedIngressNamespaces {
		if ns == "" {
			return &OptionsError{Field: fmt.Sprintf("AllowedIngressNamespaces[%d]", i), Reason: "must not be empty"}
		}
	}
	return nil
}

func serviceKey(s string) (types.NamespacedName, error) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return types.NamespacedName{}, fmt.Errorf("%q is not namespace/name", s)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}

// SetupWithManager registers the isolation and policy reconcilers and the
// field indexes they use with mgr, whose scheme must know the built-in kinds
// and the spherekit API groups (spherekit.AddToScheme).
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if err := opts.validate(); err != nil {
		return fmt.Errorf("network controllers: %w", err)
	}
	owner := opts.FieldOwner
	if owner == "" {
		owner = DefaultFieldOwner
	}
	dns := opts.DNSServices
	if dns == nil {
		dns = network.DefaultDNSServices
	}
	iso := &IsolationReconciler{Client: mgr.GetClient(), FieldOwner: owner,
		AllowedIngressNamespaces: opts.AllowedIngressNamespaces, NodeLocalDNS: opts.NodeLocalDNS}
	for _, s := range dns {
		key, _ := serviceKey(s)
		iso.DNSServices = append(iso.DNSServices, key)
	}
	if err := iso.SetupWithManager(ctx, mgr, opts.Controller); err != nil {
		return err
	}
	pol := &PolicyReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), FieldOwner: owner,
		Recorder: mgr.GetEventRecorder(owner)}
	return pol.SetupWithManager(ctx, mgr, opts.Controller)
}
