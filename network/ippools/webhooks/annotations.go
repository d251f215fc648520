package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// annotationValidator refuses namespaces and pods whose Calico annotations
// name pools, or addresses of pools, assigned to another workspace.
type annotationValidator struct {
	reader client.Reader
}

func (v *annotationValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	switch {
	case req.Kind.Group == "" && req.Kind.Kind == "Namespace":
		return respond(v.namespace(ctx, req))
	case req.Kind.Group == "" && req.Kind.Kind == "Pod":
		return respond(v.pod(ctx, req))
	}
	return respond(badRequest{fmt.Errorf("unexpected kind %s", req.Kind)})
}

// namespace checks a namespace whose pool annotations are set or changed.
// An update that leaves them alone passes, so a namespace whose workspace
// changed, or whose pool moved elsewhere, is not stuck: the Calico
// namespace reconciler rewrites the annotation.
func (v *annotationValidator) namespace(ctx context.Context, req admission.Request) error {
	ns := &corev1.Namespace{}
	if err := decodeInto(req.Object.Raw, ns); err != nil {
		return badRequest{err}
	}
	if req.Operation == admissionv1.Update {
		old := &corev1.Namespace{}
		if err := decodeInto(req.OldObject.Raw, old); err != nil {
			return badRequest{err}
		}
		if sameAnnotations(old.Annotations, ns.Annotations, IPv4PoolsAnnotation, IPv6PoolsAnnotation) {
			return nil
		}
	}
	return v.check(ctx, ns.Labels[ippools.WorkspaceLabel], ns.Annotations, "metadata.annotations")
}

// pod checks a pod created with pool or address annotations, for the
// workspace of its namespace.
func (v *annotationValidator) pod(ctx context.Context, req admission.Request) error {
	if req.Operation != admissionv1.Create {
		return nil
	}
	pod := &corev1.Pod{}
	if err := decodeInto(req.Object.Raw, pod); err != nil {
		return badRequest{err}
	}
	namespace := pod.Namespace
	if namespace == "" {
		namespace = req.Namespace
	}
	ns := &corev1.Namespace{}
	if err := v.reader.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return nil // the API server refuses the pod itself
		}
		return fmt.Errorf("get namespace %q: %w", namespace, err)
	}
	return v.check(ctx, ns.Labels[ippools.WorkspaceLabel], pod.Annotations, "metadata.annotations")
}

func sameAnnotations(a, b map[string]string, keys ...string) bool {
	for _, k := range keys {
		va, oka := a[k]
		vb, okb := b[k]
		if oka != okb || va != vb {
			return false
		}
	}
	return true
}

// check refuses annotations of an object of workspace ws that name a pool
// assigned to another workspace, or an address inside one. Names of pools
// that do not exist pass (Calico refuses them).
func (v *annotationValidator) check(ctx context.Context, ws string, annotations map[string]string, field string) error {
	names, addrs, err := poolRefs(annotations, field)
	if err != nil {
		return err
	}
	if len(names) == 0 && len(addrs) == 0 {
		return nil
	}
	var l networkv1alpha1.IPPoolList
	if err := v.reader.List(ctx, &l); err != nil {
		return fmt.Errorf("list ip pools: %w", err)
	}
	for i := range l.Items {
		p := &l.Items[i]
		owner := ippools.WorkspaceOf(p)
		if owner == "" || owner == ws {
			continue
		}
		if slices.Contains(names, p.Name) {
			return &ippools.ConflictError{Field: field, Reason: fmt.Sprintf("ip pool %q belongs to workspace %q, not %s", p.Name, owner, describe(ws))}
		}
		if len(addrs) == 0 {
			continue
		}
		prefix, err := netip.ParsePrefix(p.Spec.CIDR)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if prefix.Masked().Contains(a) {
				return &ippools.ConflictError{Field: field + "[" + IPAddrsAnnotation + "]", Reason: fmt.Sprintf("%s is in ip pool %q of workspace %q, not %s", a, p.Name, owner, describe(ws))}
			}
		}
	}
	return nil
}

// poolRefs reads the pool names and addresses Calico's annotations ask
// for; a malformed annotation is an *InvalidError naming it under field.
// Addresses are unmapped (an IPv4-mapped IPv6 address is its IPv4 one).
func poolRefs(annotations map[string]string, field string) ([]string, []netip.Addr, error) {
	var names []string
	for _, key := range []string{IPv4PoolsAnnotation, IPv6PoolsAnnotation} {
		raw, ok := annotations[key]
		if !ok {
			continue
		}
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return nil, nil, &ippools.InvalidError{Field: field + "[" + key + "]", Reason: "must be a JSON array of pool names", Err: err}
		}
		names = append(names, list...)
	}
	var addrs []netip.Addr
	if raw, ok := annotations[IPAddrsAnnotation]; ok {
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return nil, nil, &ippools.InvalidError{Field: field + "[" + IPAddrsAnnotation + "]", Reason: "must be a JSON array of IP addresses", Err: err}
		}
		for _, s := range list {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, nil, &ippools.InvalidError{Field: field + "[" + IPAddrsAnnotation + "]", Reason: fmt.Sprintf("%q is not an IP address", s), Err: err}
			}
			addrs = append(addrs, a.Unmap())
		}
	}
	return names, addrs, nil
}

func describe(ws string) string {
	if ws == "" {
		return "to a namespace of no workspace"
	}
	return fmt.Sprintf("to workspace %q", ws)
}

func decodeInto(raw []byte, into any) error {
	if len(raw) == 0 {
		return fmt.Errorf("admission request carries no object")
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("decode object: %w", err)
	}
	return nil
}
