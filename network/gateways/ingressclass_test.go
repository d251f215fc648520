package gateways_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	"github.com/spherekit/spherekit/network/gateways"
	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// newIngressClass creates an IngressClass, deleted when the test ends.
func newIngressClass(t *testing.T) string {
	t.Helper()
	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name("ic")}, Spec: networkingv1.IngressClassSpec{Controller: "example.com/ingress"}}
	create(t, ic)
	return ic.Name
}

// scopeObject is an IngressClassScope as KubeSphere's console writes one.
func scopeObject(name, class string, def bool, scope gatewayv1alpha2.Scope, service string) *gatewayv1alpha2.IngressClassScope {
	ics := &gatewayv1alpha2.IngressClassScope{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       gatewayv1alpha2.IngressClassScopeSpec{Scope: scope, IngressClass: gatewayv1alpha2.IngressClass{Name: class, Default: def}},
	}
	if service != "" {
		ics.Annotations = map[string]string{gatewayv1alpha2.ServiceNameAnnotation: service}
	}
	return ics
}

func TestAvailableIngressClasses(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	wsA, wsB := newWorkspace(t), newWorkspace(t)
	a1 := newProject(t, wsA, map[string]string{"env": "prod"})
	a2 := newProject(t, wsA, map[string]string{"env": "dev"})
	b1 := newProject(t, wsB, map[string]string{"env": "prod"})
	loose := newProject(t, "", nil)

	// The gateways' Services: a LoadBalancer with an address, and a
	// ClusterIP one, for which KubeSphere reports the control-plane nodes.
	svcNS := newProject(t, "", nil).Name
	lb := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "gw-lb", Namespace: svcNS},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
	}
	create(t, lb)
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}
	require.NoError(t, env.Client.Status().Update(ctx, lb))
	cip := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "gw-cip", Namespace: svcNS},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "https", Port: 443}}},
	}
	create(t, cip)
	for i, n := range []struct {
		labels map[string]string
		ip     string
	}{
		{map[string]string{gateways.ControlPlaneLabel: ""}, "10.0.0.1"},
		{map[string]string{gateways.ControlPlaneLabel: ""}, "10.0.0.2"},
		{nil, "10.0.0.9"}, // a worker
	} {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d-%s", i, name("n")), Labels: n.labels}}
		create(t, node)
		node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.ip}, {Type: corev1.NodeHostName, Address: node.Name}}
		require.NoError(t, env.Client.Status().Update(ctx, node))
	}

	pfx := name("ics")
	for _, ics := range []*gatewayv1alpha2.IngressClassScope{
		scopeObject(pfx+"-a-everyone", "nginx", false, gatewayv1alpha2.Scope{}, svcNS+"/gw-lb"),
		// Listed namespaces win over the selector.
		scopeObject(pfx+"-b-listed", "listed", false, gatewayv1alpha2.Scope{Namespaces: []string{a1.Name, b1.Name}, NamespaceSelector: "env=dev"}, svcNS+"/missing"),
		scopeObject(pfx+"-c-workspace", "team-a", true, gatewayv1alpha2.Scope{NamespaceSelector: tenantv1beta1.WorkspaceLabel + "=" + wsA}, svcNS+"/gw-cip"),
		scopeObject(pfx+"-d-prod", "prod", false, gatewayv1alpha2.Scope{NamespaceSelector: "env in (prod)"}, "not-a-reference"),
		// KubeSphere's handler would offer this one everywhere.
		scopeObject(pfx+"-e-broken", "broken", false, gatewayv1alpha2.Scope{NamespaceSelector: "env in (prod"}, ""),
	} {
		create(t, ics)
	}

	// The API server defaults the address's ipMode.
	lbAddr := []corev1.LoadBalancerIngress{{IP: "203.0.113.7", IPMode: ptr.To(corev1.LoadBalancerIPModeVIP)}}
	nodeAddr := []corev1.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}
	type entry struct {
		Name      string
		Default   bool
		Addresses []corev1.LoadBalancerIngress
		Ports     []string
	}
	everyone := entry{Name: "nginx", Addresses: lbAddr, Ports: []string{"http/80"}}
	listed := entry{Name: "listed"}
	teamA := entry{Name: "team-a", Default: true, Addresses: nodeAddr, Ports: []string{"https/443"}}
	prod := entry{Name: "prod"}
	tests := []struct {
		ns   string
		want []entry
	}{
		{a1.Name, []entry{everyone, listed, teamA, prod}},
		{a2.Name, []entry{everyone, teamA}},
		{b1.Name, []entry{everyone, listed, prod}},
		{loose.Name, []entry{everyone}},
	}
	for _, tt := range tests {
		t.Run(tt.ns, func(t *testing.T) {
			got, err := gc.AvailableIngressClasses(ctx, tt.ns)
			require.NoError(t, err)
			var entries []entry
			for _, ac := range got {
				if !strings.HasPrefix(ac.Scope.Name, pfx) {
					continue // another test's
				}
				e := entry{Name: ac.Name, Default: ac.Default, Addresses: ac.Addresses}
				for _, p := range ac.Ports {
					e.Ports = append(e.Ports, fmt.Sprintf("%s/%d", p.Name, p.Port))
				}
				entries = append(entries, e)
			}
			if diff := cmp.Diff(tt.want, entries); diff != "" {
				t.Errorf("classes for %s (-want +got):\n%s", tt.ns, diff)
			}
		})
	}

	for _, bad := range []struct{ ns, kind string }{{name("ghost"), "notfound"}, {"Not_A_Namespace", "invalid"}, {"", "invalid"}} {
		_, err := gc.AvailableIngressClasses(ctx, bad.ns)
		kind, field := errorField(err)
		assert.Equal(t, []string{bad.kind, "namespace"}, []string{kind, field}, "%q: %v", bad.ns, err)
	}
}

func TestShareIngressClass(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	p := newProject(t, ws, nil)
	class := newIngressClass(t)

	tests := []struct {
		name     string
		opts     gateways.ShareIngressClassOptions
		wantName string
		want     gatewayv1alpha2.IngressClassScopeSpec
		wantSvc  string
	}{
		{
			name:     "platform",
			opts:     gateways.ShareIngressClassOptions{Scope: tenancy.Platform()},
			wantName: class,
			want:     gatewayv1alpha2.IngressClassScopeSpec{IngressClass: gatewayv1alpha2.IngressClass{Name: class}},
		},
		{
			name:     "workspace, default, with a service",
			opts:     gateways.ShareIngressClassOptions{Name: "team", Scope: tenancy.Workspace(ws), Default: true, Service: "ingress/controller"},
			wantName: "team",
			want: gatewayv1alpha2.IngressClassScopeSpec{
				Scope:        gatewayv1alpha2.Scope{NamespaceSelector: tenantv1beta1.WorkspaceLabel + "=" + ws},
				IngressClass: gatewayv1alpha2.IngressClass{Name: class, Default: true},
			},
			wantSvc: "ingress/controller",
		},
		{
			name:     "project",
			opts:     gateways.ShareIngressClassOptions{Name: "proj", Scope: tenancy.Project(p.Name)},
			wantName: "proj",
			want:     gatewayv1alpha2.IngressClassScopeSpec{Scope: gatewayv1alpha2.Scope{Namespaces: []string{p.Name}}, IngressClass: gatewayv1alpha2.IngressClass{Name: class}},
		},
		{
			name:     "namespaces",
			opts:     gateways.ShareIngressClassOptions{Name: "listed", Namespaces: []string{"a", "b"}},
			wantName: "listed",
			want:     gatewayv1alpha2.IngressClassScopeSpec{Scope: gatewayv1alpha2.Scope{Namespaces: []string{"a", "b"}}, IngressClass: gatewayv1alpha2.IngressClass{Name: class}},
		},
		{
			name:     "selector",
			opts:     gateways.ShareIngressClassOptions{Name: "sel", NamespaceSelector: "env in (prod,staging),!legacy"},
			wantName: "sel",
			want:     gatewayv1alpha2.IngressClassScopeSpec{Scope: gatewayv1alpha2.Scope{NamespaceSelector: "env in (prod,staging),!legacy"}, IngressClass: gatewayv1alpha2.IngressClass{Name: class}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gc.ShareIngressClass(ctx, class, tt.opts)
			require.NoError(t, err)
			t.Cleanup(func() { _ = env.Client.Delete(ctx, got) })
			stored := &gatewayv1alpha2.IngressClassScope{ObjectMeta: metav1.ObjectMeta{Name: tt.wantName}}
			require.True(t, exists(t, stored))
			assert.Equal(t, stored.ResourceVersion, got.ResourceVersion)
			if diff := cmp.Diff(tt.want, stored.Spec); diff != "" {
				t.Errorf("spec (-want +stored):\n%s", diff)
			}
			assert.Equal(t, tt.wantSvc, stored.Annotations[gatewayv1alpha2.ServiceNameAnnotation])
		})
	}

	t.Run("sharing again replaces the scope", func(t *testing.T) {
		first, err := gc.ShareIngressClass(ctx, class, gateways.ShareIngressClassOptions{Name: "moving", Namespaces: []string{p.Name}, Default: true, Service: "ingress/controller"})
		require.NoError(t, err)
		t.Cleanup(func() { _ = env.Client.Delete(ctx, first) })
		got, err := gc.ShareIngressClass(ctx, class, gateways.ShareIngressClassOptions{Name: "moving", Scope: tenancy.Workspace(ws)})
		require.NoError(t, err)
		want := gatewayv1alpha2.IngressClassScopeSpec{Scope: gatewayv1alpha2.Scope{NamespaceSelector: tenantv1beta1.WorkspaceLabel + "=" + ws}, IngressClass: gatewayv1alpha2.IngressClass{Name: class}}
		if diff := cmp.Diff(want, got.Spec); diff != "" {
			t.Errorf("spec (-want +got):\n%s", diff)
		}
		assert.NotContains(t, got.Annotations, gatewayv1alpha2.ServiceNameAnnotation, "the service annotation is gone")

		// The namespaces the class is now offered to: the workspace's.
		offered := func(ns string) bool {
			acs, err := gc.AvailableIngressClasses(ctx, ns)
			require.NoError(t, err)
			for _, ac := range acs {
				if ac.Scope.Name == "moving" {
					return true
				}
			}
			return false
		}
		other := newProject(t, "", nil)
		assert.True(t, offered(p.Name))
		assert.False(t, offered(other.Name))
	})

	t.Run("a scope KubeSphere wrote is taken over whole", func(t *testing.T) {
		theirs := scopeObject("console-"+ws, "old-class", true, gatewayv1alpha2.Scope{Namespaces: []string{"x"}}, "ingress/old")
		theirs.Annotations["example.com/note"] = "kept"
		create(t, theirs)
		got, err := gc.ShareIngressClass(ctx, class, gateways.ShareIngressClassOptions{Name: theirs.Name, Scope: tenancy.Workspace(ws)})
		require.NoError(t, err)
		// A namespaces list left beside the selector would win over it.
		want := gatewayv1alpha2.IngressClassScopeSpec{Scope: gatewayv1alpha2.Scope{NamespaceSelector: tenantv1beta1.WorkspaceLabel + "=" + ws}, IngressClass: gatewayv1alpha2.IngressClass{Name: class}}
		if diff := cmp.Diff(want, got.Spec); diff != "" {
			t.Errorf("spec (-want +got):\n%s", diff)
		}
		assert.Equal(t, map[string]string{"example.com/note": "kept"}, got.Annotations)
	})

	t.Run("unshare", func(t *testing.T) {
		_, err := gc.ShareIngressClass(ctx, class, gateways.ShareIngressClassOptions{Name: "gone", Scope: tenancy.Platform()})
		require.NoError(t, err)
		require.NoError(t, gc.UnshareIngressClass(ctx, "gone"))
		assert.False(t, exists(t, &gatewayv1alpha2.IngressClassScope{ObjectMeta: metav1.ObjectMeta{Name: "gone"}}))
		err = gc.UnshareIngressClass(ctx, "gone")
		kind, field := errorField(err)
		assert.Equal(t, []string{"notfound", "name"}, []string{kind, field}, "%v", err)
		err = gc.UnshareIngressClass(ctx, "Not A Name")
		kind, field = errorField(err)
		assert.Equal(t, []string{"invalid", "name"}, []string{kind, field}, "%v", err)
	})
}

func TestShareIngressClassBadInput(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	class := newIngressClass(t)
	platform := tenancy.Platform()

	tests := []struct {
		name      string
		class     string
		opts      gateways.ShareIngressClassOptions
		wantKind  string
		wantField string
	}{
		{"no scope", class, gateways.ShareIngressClassOptions{}, "invalid", "Scope"},
		{"two scopes", class, gateways.ShareIngressClassOptions{Scope: platform, NamespaceSelector: "env=prod"}, "invalid", "Scope"},
		{"unparsable selector", class, gateways.ShareIngressClassOptions{NamespaceSelector: "env in (prod"}, "invalid", "NamespaceSelector"},
		{"namespace twice", class, gateways.ShareIngressClassOptions{Namespaces: []string{"a", "a"}}, "invalid", "Namespaces[1]"},
		{"malformed namespace", class, gateways.ShareIngressClassOptions{Namespaces: []string{"A"}}, "invalid", "Namespaces[0]"},
		{"malformed workspace", class, gateways.ShareIngressClassOptions{Scope: tenancy.Workspace("-ws")}, "invalid", "workspace"},
		{"unknown workspace", class, gateways.ShareIngressClassOptions{Scope: tenancy.Workspace(name("ghost"))}, "notfound", "workspace"},
		{"unknown project", class, gateways.ShareIngressClassOptions{Scope: tenancy.Project(name("ghost"))}, "notfound", "project"},
		{"unknown ingress class", name("ghost"), gateways.ShareIngressClassOptions{Name: "x-" + ws, Scope: platform}, "notfound", "ingressClass"},
		{"malformed ingress class", "Nginx!", gateways.ShareIngressClassOptions{Name: "x-" + ws, Scope: platform}, "invalid", "ingressClass"},
		{"malformed name", class, gateways.ShareIngressClassOptions{Name: "Team A", Scope: platform}, "invalid", "Name"},
		{"malformed service", class, gateways.ShareIngressClassOptions{Scope: platform, Service: "controller"}, "invalid", "Service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gc.ShareIngressClass(ctx, tt.class, tt.opts)
			kind, field := errorField(err)
			assert.Equal(t, tt.wantKind, kind, "error %v", err)
			assert.Equal(t, tt.wantField, field, "error %v", err)
			n := tt.opts.Name
			if n == "" {
				n = tt.class
			}
			if n != "Team A" && n != "Nginx!" {
				assert.False(t, exists(t, &gatewayv1alpha2.IngressClassScope{ObjectMeta: metav1.ObjectMeta{Name: n}}), "nothing written")
			}
		})
	}
}

// FuzzAdmits: whatever selector a scope carries, Admits never panics,
// listed namespaces decide alone, an unparsable selector admits nothing and
// a parsable one decides as the label selector does.
func FuzzAdmits(f *testing.F) {
	for _, s := range []string{"", "env=prod", "env in (prod", "!legacy", "a,b=c", "x notin (y)", "k==v", "=", "a in ()"} {
		f.Add(s, "prod", true)
	}
	f.Fuzz(func(t *testing.T, selector, value string, listed bool) {
		nsLabels := map[string]string{"env": value}
		scope := gatewayv1alpha2.Scope{NamespaceSelector: selector}
		got := gateways.Admits(scope, "web", nsLabels)
		sel, err := labels.Parse(selector)
		switch {
		case selector == "":
			assert.True(t, got, "no selector admits every namespace")
		case err != nil:
			assert.False(t, got, "an unparsable selector admits nothing")
		default:
			assert.Equal(t, sel.Matches(labels.Set(nsLabels)), got)
		}
		if listed {
			scope.Namespaces = []string{"web"}
			assert.True(t, gateways.Admits(scope, "web", nsLabels), "listed")
			assert.False(t, gateways.Admits(scope, "api", nsLabels), "not listed")
		}
	})
}
