package network_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	tenantv1alpha1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// TestModeOf covers what the controllers' tests cannot write through the
// API server: KubeSphere 3.x's spec.networkIsolation on a v1alpha1
// Workspace (pruned from new writes by the 4.x CRD).
func TestModeOf(t *testing.T) {
	project := func(annotated bool) *corev1.Namespace {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws"}}}
		if annotated {
			ns.Annotations = map[string]string{network.IsolateAnnotation: network.IsolateEnabled}
		}
		return ns
	}
	legacy := func(on *bool) *tenantv1alpha1.Workspace {
		return &tenantv1alpha1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "ws"}, Spec: tenantv1alpha1.WorkspaceSpec{NetworkIsolation: on}}
	}
	annotated := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "ws", Annotations: map[string]string{network.IsolateAnnotation: network.IsolateEnabled}}}
	var none *tenantv1beta1.Workspace
	for _, tc := range []struct {
		name string
		ns   *corev1.Namespace
		ws   metav1.Object
		want network.IsolationMode
	}{
		{"3.x field true", project(false), legacy(ptr.To(true)), network.IsolationWorkspace},
		{"3.x field false", project(false), legacy(ptr.To(false)), network.IsolationNone},
		{"3.x field absent", project(false), legacy(nil), network.IsolationNone},
		{"4.x annotation", project(false), annotated, network.IsolationWorkspace},
		{"project annotation first", project(true), annotated, network.IsolationProject},
		{"no workspace object", project(false), nil, network.IsolationNone},
		{"a typed nil workspace", project(true), none, network.IsolationProject},
		{"annotation with another value", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws"},
			Annotations: map[string]string{network.IsolateAnnotation: "true"}}}, nil, network.IsolationNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, network.ModeOf(tc.ns, tc.ws))
		})
	}
}

// FuzzPolicyConversion: any spec decoded from JSON is either refused by
// ValidatePolicySpec or converts without error (services found), and
// neither panics.
func FuzzPolicyConversion(f *testing.F) {
	f.Add([]byte(`{"ingress":[{"from":[{"namespace":{"name":"a"}},{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],"ports":[{"port":80}]}]}`))
	f.Add([]byte(`{"egress":[{"to":[{"service":{"name":"s","namespace":"n"}}],"ports":[{"port":"http","protocol":"UDP"}]},{"ports":[{"port":1,"endPort":2}]}]}`))
	f.Add([]byte(`{"ingress":[{}],"egress":[],"policyTypes":["Egress"]}`))
	services := func(namespace, name string) (*corev1.Service, error) {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name}, Ports: []corev1.ServicePort{{Port: 53, Protocol: corev1.ProtocolUDP}}}}, nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var spec networkv1alpha1.NamespaceNetworkPolicySpec
		if json.Unmarshal(data, &spec) != nil {
			return
		}
		if network.ValidatePolicySpec(spec) != nil {
			return
		}
		p := &networkv1alpha1.NamespaceNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}, Spec: spec}
		np, err := network.NativePolicy(p, services)
		if err != nil {
			t.Fatalf("a valid spec did not convert: %v", err)
		}
		if (spec.Ingress != nil) != containsType(np.Spec.PolicyTypes, "Ingress") || (spec.Egress != nil) != containsType(np.Spec.PolicyTypes, "Egress") {
			t.Fatalf("policy types %v for ingress %v egress %v", np.Spec.PolicyTypes, spec.Ingress != nil, spec.Egress != nil)
		}
	})
}

func containsType[T ~string](list []T, v string) bool {
	for _, x := range list {
		if string(x) == v {
			return true
		}
	}
	return false
}
