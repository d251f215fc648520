package gateways_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit/network/gateways"
	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// admits reports whether some listener of gw admits routes from ns (with
// the labels the API server stores), by Gateway API's rule for
// allowedRoutes.namespaces (the API server defaults it to from: Same).
func admits(t *testing.T, gw *gatewayapiv1.Gateway, ns *corev1.Namespace) bool {
	t.Helper()
	for _, l := range gw.Spec.Listeners {
		from := gatewayapiv1.NamespacesFromSame
		var sel *metav1.LabelSelector
		if l.AllowedRoutes != nil && l.AllowedRoutes.Namespaces != nil {
			if l.AllowedRoutes.Namespaces.From != nil {
				from = *l.AllowedRoutes.Namespaces.From
			}
			sel = l.AllowedRoutes.Namespaces.Selector
		}
		switch from {
		case gatewayapiv1.NamespacesFromAll:
			return true
		case gatewayapiv1.NamespacesFromSame:
			if ns.Name == gw.Namespace {
				return true
			}
		case gatewayapiv1.NamespacesFromSelector:
			require.NotNil(t, sel, "from: Selector without a selector")
			s, err := metav1.LabelSelectorAsSelector(sel)
			require.NoError(t, err)
			if s.Matches(labels.Set(ns.Labels)) {
				return true
			}
		}
	}
	return false
}

// route creates an HTTPRoute in ns whose parents are gws.
func route(t *testing.T, ns string, gws ...*gatewayapiv1.Gateway) *gatewayapiv1.HTTPRoute {
	t.Helper()
	r := &gatewayapiv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Name: name("route"), Namespace: ns}}
	for _, gw := range gws {
		r.Spec.ParentRefs = append(r.Spec.ParentRefs, gatewayapiv1.ParentReference{
			Name:      gatewayapiv1.ObjectName(gw.Name),
			Namespace: ptr.To(gatewayapiv1.Namespace(gw.Namespace)),
		})
	}
	create(t, r)
	return r
}

// TestGatewayConfinesRoutes: a workspace's Gateway admits routes from the
// workspace's projects only, a project's from the project only, whatever a
// tenant does to the labels of a namespace they own elsewhere.
func TestGatewayConfinesRoutes(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	wsA, wsB := newWorkspace(t), newWorkspace(t)
	a1, a2 := newProject(t, wsA, nil), newProject(t, wsA, nil)
	b1 := newProject(t, wsB, nil)
	loose := newProject(t, "", nil)

	gwA, err := gc.EnableGateway(ctx, tenancy.Workspace(wsA), gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	gwP, err := gc.EnableGateway(ctx, tenancy.Project(a1.Name), gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Client.Delete(ctx, gwA) })

	// A tenant of workspace B tries to pass their namespace off as the
	// project a1: the API server keeps kubernetes.io/metadata.name equal
	// to the namespace's name, whatever is written.
	b1.Labels[corev1.LabelMetadataName] = a1.Name
	require.NoError(t, env.Client.Update(ctx, b1))
	require.True(t, exists(t, b1))
	assert.Equal(t, b1.Name, b1.Labels[corev1.LabelMetadataName], "the API server resets the name label")
	impostor := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("impostor"), Labels: map[string]string{corev1.LabelMetadataName: a1.Name}}}
	create(t, impostor)

	want := map[string]struct{ ws, project bool }{
		a1.Name:       {ws: true, project: true},
		a2.Name:       {ws: true},
		b1.Name:       {},
		loose.Name:    {},
		impostor.Name: {},
		gateways.DefaultWorkspaceGatewayNamespace: {}, // where the workspace's Gateway lives
	}
	for nsName, w := range want {
		t.Run(nsName, func(t *testing.T) {
			// The route names both Gateways as parents; the API server
			// accepts it, and it is up to the Gateways' listeners to admit it.
			r := route(t, nsName, gwA, gwP)
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.Namespace}}
			require.True(t, exists(t, ns))
			stored := func(gw *gatewayapiv1.Gateway) *gatewayapiv1.Gateway {
				out := &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: gw.Name, Namespace: gw.Namespace}}
				require.True(t, exists(t, out))
				return out
			}
			assert.Equal(t, w.ws, admits(t, stored(gwA), ns), "workspace %s's gateway admits a route in %s", wsA, nsName)
			assert.Equal(t, w.project, admits(t, stored(gwP), ns), "project %s's gateway admits a route in %s", a1.Name, nsName)
		})
	}
}

func TestEnableGateway(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	p := newProject(t, ws, nil)
	other := newProject(t, "", nil)
	cert := gatewayapiv1.SecretObjectReference{Name: "tls-cert"}

	tests := []struct {
		name          string
		scope         tenancy.Scope
		opts          gateways.EnableGatewayOptions
		wantKey       client.ObjectKey
		wantListeners []gatewayapiv1.Listener // before allowedRoutes.namespaces is set
		wantLabels    map[string]string
	}{
		{
			name:          "workspace defaults",
			scope:         tenancy.Workspace(ws),
			wantKey:       client.ObjectKey{Namespace: gateways.DefaultWorkspaceGatewayNamespace, Name: "workspace-" + ws},
			wantListeners: []gatewayapiv1.Listener{{Name: "http", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType}},
			wantLabels:    map[string]string{gateways.ScopeLabel: gateways.ScopeWorkspace, gateways.ScopeNameLabel: ws},
		},
		{
			name:          "project defaults",
			scope:         tenancy.Project(p.Name),
			wantKey:       client.ObjectKey{Namespace: p.Name, Name: "project-" + p.Name},
			wantListeners: []gatewayapiv1.Listener{{Name: "http", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType}},
			wantLabels:    map[string]string{gateways.ScopeLabel: gateways.ScopeProject, gateways.ScopeNameLabel: p.Name},
		},
		{
			name:  "project gateway elsewhere, with listeners and labels",
			scope: tenancy.Project(p.Name),
			opts: gateways.EnableGatewayOptions{
				Name:      "edge",
				Namespace: other.Name,
				Listeners: []gatewayapiv1.Listener{
					{Name: "web", Port: 8080, Protocol: gatewayapiv1.HTTPProtocolType, Hostname: ptr.To(gatewayapiv1.Hostname("shop.example.com")),
						AllowedRoutes: &gatewayapiv1.AllowedRoutes{Kinds: []gatewayapiv1.RouteGroupKind{{Kind: "HTTPRoute"}}}},
					{Name: "secure", Port: 8443, Protocol: gatewayapiv1.HTTPSProtocolType,
						TLS: &gatewayapiv1.ListenerTLSConfig{CertificateRefs: []gatewayapiv1.SecretObjectReference{cert}}},
				},
				Labels:      map[string]string{"team": "shop"},
				Annotations: map[string]string{"example.com/note": "canary"},
			},
			wantKey: client.ObjectKey{Namespace: other.Name, Name: "edge"},
			wantListeners: []gatewayapiv1.Listener{
				{Name: "web", Port: 8080, Protocol: gatewayapiv1.HTTPProtocolType, Hostname: ptr.To(gatewayapiv1.Hostname("shop.example.com")),
					AllowedRoutes: &gatewayapiv1.AllowedRoutes{Kinds: []gatewayapiv1.RouteGroupKind{{Kind: "HTTPRoute"}}}},
				{Name: "secure", Port: 8443, Protocol: gatewayapiv1.HTTPSProtocolType,
					TLS: &gatewayapiv1.ListenerTLSConfig{CertificateRefs: []gatewayapiv1.SecretObjectReference{cert}}},
			},
			wantLabels: map[string]string{gateways.ScopeLabel: gateways.ScopeProject, gateways.ScopeNameLabel: p.Name, "team": "shop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gc.EnableGateway(ctx, tt.scope, tt.opts)
			require.NoError(t, err)
			t.Cleanup(func() { _ = env.Client.Delete(ctx, got) })
			assert.Equal(t, tt.wantKey, client.ObjectKeyFromObject(got))

			stored := &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: tt.wantKey.Name, Namespace: tt.wantKey.Namespace}}
			require.True(t, exists(t, stored))
			assert.Equal(t, stored.ResourceVersion, got.ResourceVersion, "EnableGateway returns what the API server stored")
			assert.Equal(t, gatewayapiv1.ObjectName(testClass), stored.Spec.GatewayClassName)
			assert.Equal(t, tt.wantLabels, stored.Labels)
			for k, v := range tt.opts.Annotations {
				assert.Equal(t, v, stored.Annotations[k])
			}
			require.Len(t, stored.Spec.Listeners, len(tt.wantListeners))
			for i, l := range stored.Spec.Listeners {
				want := tt.wantListeners[i]
				assert.Equal(t, want.Name, l.Name)
				assert.Equal(t, want.Port, l.Port)
				assert.Equal(t, want.Protocol, l.Protocol)
				assert.Equal(t, want.Hostname, l.Hostname)
				if want.TLS != nil {
					require.NotNil(t, l.TLS)
					assert.Equal(t, want.TLS.CertificateRefs[0].Name, l.TLS.CertificateRefs[0].Name)
				}
				require.NotNil(t, l.AllowedRoutes)
				if diff := cmp.Diff(gateways.RouteNamespaces(tt.scope), l.AllowedRoutes.Namespaces); diff != "" {
					t.Errorf("listener %s: allowedRoutes.namespaces (-want +stored):\n%s", l.Name, diff)
				}
				if want.AllowedRoutes != nil {
					assert.Equal(t, want.AllowedRoutes.Kinds[0].Kind, l.AllowedRoutes.Kinds[0].Kind, "kinds kept")
				}
			}
		})
	}
}

// TestEnableGatewayIsAnEnsure: enabling again brings the Gateway back to the
// options: a listener no longer asked for is dropped, and whatever someone
// else did to let routes from elsewhere in (a listener widened, a listener
// added, listener sets allowed) is undone; their labels stay.
func TestEnableGatewayIsAnEnsure(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	scope := tenancy.Workspace(ws)
	two := []gatewayapiv1.Listener{
		{Name: "http", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType},
		{Name: "alt", Port: 8080, Protocol: gatewayapiv1.HTTPProtocolType},
	}
	gw, err := gc.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{Listeners: two})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Client.Delete(ctx, gw) })
	require.Len(t, gw.Spec.Listeners, 2)

	all := gatewayapiv1.NamespacesFromAll
	gw.Spec.Listeners[0].AllowedRoutes.Namespaces = &gatewayapiv1.RouteNamespaces{From: &all}
	gw.Spec.Listeners = append(gw.Spec.Listeners, gatewayapiv1.Listener{Name: "open", Port: 9090, Protocol: gatewayapiv1.HTTPProtocolType,
		AllowedRoutes: &gatewayapiv1.AllowedRoutes{Namespaces: &gatewayapiv1.RouteNamespaces{From: &all}}})
	gw.Spec.AllowedListeners = &gatewayapiv1.AllowedListeners{Namespaces: &gatewayapiv1.ListenerNamespaces{From: &all}}
	gw.Labels["example.com/owner"] = "ops"
	require.NoError(t, env.Client.Update(ctx, gw, client.FieldOwner("someone-else")))

	_, err = gc.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{Listeners: two[:1]})
	require.NoError(t, err)
	stored := &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: gw.Name, Namespace: gw.Namespace}}
	require.True(t, exists(t, stored))
	require.Len(t, stored.Spec.Listeners, 1, "only the listener asked for")
	assert.Equal(t, gatewayapiv1.SectionName("http"), stored.Spec.Listeners[0].Name)
	assert.Equal(t, gateways.RouteNamespaces(scope), stored.Spec.Listeners[0].AllowedRoutes.Namespaces, "narrowed again")
	if stored.Spec.AllowedListeners != nil && stored.Spec.AllowedListeners.Namespaces != nil {
		assert.Equal(t, gatewayapiv1.NamespacesFromNone, *stored.Spec.AllowedListeners.Namespaces.From, "no listener sets from elsewhere")
	}
	assert.Equal(t, "ops", stored.Labels["example.com/owner"], "others' labels are kept")
}

func TestEnableGatewayBadInput(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	p := newProject(t, ws, nil)
	http := func(name string, port gatewayapiv1.PortNumber) gatewayapiv1.Listener {
		return gatewayapiv1.Listener{Name: gatewayapiv1.SectionName(name), Port: port, Protocol: gatewayapiv1.HTTPProtocolType}
	}
	all := gatewayapiv1.NamespacesFromAll
	many := make([]gatewayapiv1.Listener, gateways.MaxListeners+1)
	for i := range many {
		many[i] = http(fmt.Sprintf("l%d", i), gatewayapiv1.PortNumber(1000+i))
	}

	tests := []struct {
		name      string
		scope     tenancy.Scope
		opts      gateways.EnableGatewayOptions
		wantKind  string
		wantField string
	}{
		{"zero scope", tenancy.Scope{}, gateways.EnableGatewayOptions{}, "invalid", "scope"},
		{"platform", tenancy.Platform(), gateways.EnableGatewayOptions{}, "invalid", "scope"},
		{"malformed workspace", tenancy.Workspace("Team_A"), gateways.EnableGatewayOptions{}, "invalid", "workspace"},
		{"unknown workspace", tenancy.Workspace(name("ghost")), gateways.EnableGatewayOptions{}, "notfound", "workspace"},
		{"unknown project", tenancy.Project(name("ghost")), gateways.EnableGatewayOptions{}, "notfound", "project"},
		{"unknown namespace", tenancy.Workspace(ws), gateways.EnableGatewayOptions{Namespace: name("ghost")}, "notfound", "Namespace"},
		{"malformed name", tenancy.Workspace(ws), gateways.EnableGatewayOptions{Name: "Edge Gateway"}, "invalid", "Name"},
		{"unknown class", tenancy.Workspace(ws), gateways.EnableGatewayOptions{GatewayClassName: name("ghost")}, "notfound", "GatewayClassName"},
		{"port 0", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Listeners: []gatewayapiv1.Listener{http("web", 0)}}, "invalid", "Listeners[0].Port"},
		{"listener name twice", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Listeners: []gatewayapiv1.Listener{http("web", 80), http("web", 81)}}, "invalid", "Listeners[1].Name"},
		{"no protocol", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Listeners: []gatewayapiv1.Listener{{Name: "web", Port: 80}}}, "invalid", "Listeners[0].Protocol"},
		{"too many listeners", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Listeners: many}, "invalid", "Listeners"},
		{
			"routes from every namespace", tenancy.Project(p.Name),
			gateways.EnableGatewayOptions{Listeners: []gatewayapiv1.Listener{{Name: "web", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType,
				AllowedRoutes: &gatewayapiv1.AllowedRoutes{Namespaces: &gatewayapiv1.RouteNamespaces{From: &all}}}}},
			"invalid", "Listeners[0].AllowedRoutes.Namespaces",
		},
		{"scope label", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Labels: map[string]string{gateways.ScopeNameLabel: "other"}}, "invalid", "Labels"},
		{"malformed label", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Labels: map[string]string{"a b": "c"}}, "invalid", "Labels"},
		{"malformed annotation", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Annotations: map[string]string{"/x": "y"}}, "invalid", "Annotations"},
		// What only Gateway API's CEL rules in the API server refuse.
		{
			"tls on an HTTP listener (CEL)", tenancy.Project(p.Name),
			gateways.EnableGatewayOptions{Listeners: []gatewayapiv1.Listener{{Name: "web", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType,
				TLS: &gatewayapiv1.ListenerTLSConfig{CertificateRefs: []gatewayapiv1.SecretObjectReference{{Name: "c"}}}}}},
			"invalid", "spec.listeners",
		},
		{"same port, protocol and hostname (CEL)", tenancy.Project(p.Name), gateways.EnableGatewayOptions{Listeners: []gatewayapiv1.Listener{http("a", 80), http("b", 80)}}, "invalid", "spec.listeners"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gc.EnableGateway(ctx, tt.scope, tt.opts)
			require.Error(t, err)
			kind, field := errorField(err)
			assert.Equal(t, tt.wantKind, kind, "error %v", err)
			assert.Equal(t, tt.wantField, field, "error %v", err)

			// Nothing written: no Gateway of this test's workspace or
			// project anywhere.
			list := &gatewayapiv1.GatewayList{}
			sel, err := labels.Parse(fmt.Sprintf("%s in (%s,%s)", gateways.ScopeNameLabel, ws, p.Name))
			require.NoError(t, err)
			require.NoError(t, env.Client.List(ctx, list, client.MatchingLabelsSelector{Selector: sel}))
			assert.Empty(t, list.Items, "nothing written")
		})
	}
}

func TestEnableGatewayConflicts(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	p := newProject(t, ws, nil)
	q := newProject(t, ws, nil)

	// A Gateway someone else wrote, where the project's would go.
	foreign := &gatewayapiv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Name: gateways.DefaultGatewayName(tenancy.Project(p.Name)), Namespace: p.Name},
		Spec: gatewayapiv1.GatewaySpec{GatewayClassName: testClass, Listeners: []gatewayapiv1.Listener{
			{Name: "open", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType},
		}},
	}
	create(t, foreign)
	_, err := gc.EnableGateway(ctx, tenancy.Project(p.Name), gateways.EnableGatewayOptions{})
	kind, field := errorField(err)
	assert.Equal(t, []string{"conflict", "Name"}, []string{kind, field}, "error %v", err)
	err = gc.DisableGateway(ctx, tenancy.Project(p.Name), gateways.EnableGatewayOptions{})
	kind, field = errorField(err)
	assert.Equal(t, []string{"conflict", "Name"}, []string{kind, field}, "error %v", err)

	// Project q's Gateway, placed under a name project p then asks for.
	qgw, err := gc.EnableGateway(ctx, tenancy.Project(q.Name), gateways.EnableGatewayOptions{Name: "shared", Namespace: p.Name})
	require.NoError(t, err)
	_, err = gc.EnableGateway(ctx, tenancy.Project(p.Name), gateways.EnableGatewayOptions{Name: "shared"})
	kind, field = errorField(err)
	assert.Equal(t, []string{"conflict", "Name"}, []string{kind, field}, "error %v", err)
	err = gc.DisableGateway(ctx, tenancy.Project(p.Name), gateways.EnableGatewayOptions{Name: "shared"})
	kind, field = errorField(err)
	assert.Equal(t, []string{"conflict", "Name"}, []string{kind, field}, "error %v", err)

	// Both left as they were.
	stored := &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: foreign.Name, Namespace: foreign.Namespace}}
	require.True(t, exists(t, stored))
	assert.Equal(t, foreign.ResourceVersion, stored.ResourceVersion)
	stored = &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: qgw.Name, Namespace: qgw.Namespace}}
	require.True(t, exists(t, stored))
	assert.Equal(t, qgw.ResourceVersion, stored.ResourceVersion)
	assert.Equal(t, q.Name, stored.Labels[gateways.ScopeNameLabel])
}

func TestDisableGateway(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws := newWorkspace(t)
	scope := tenancy.Workspace(ws)
	gw, err := gc.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{})
	require.NoError(t, err)

	require.NoError(t, gc.DisableGateway(ctx, scope, gateways.EnableGatewayOptions{}))
	assert.False(t, exists(t, gw), "deleted")
	err = gc.DisableGateway(ctx, scope, gateways.EnableGatewayOptions{})
	kind, field := errorField(err)
	assert.Equal(t, []string{"notfound", "Name"}, []string{kind, field}, "error %v", err)
	assert.ErrorIs(t, err, gateways.ErrNotFound)

	// The workspace need not exist any more to remove its gateway.
	gw, err = gc.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	require.NoError(t, env.Client.Delete(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}}))
	require.NoError(t, gc.DisableGateway(ctx, scope, gateways.EnableGatewayOptions{}))
	assert.False(t, exists(t, gw), "deleted")

	for _, bad := range []tenancy.Scope{{}, tenancy.Platform()} {
		err := gc.DisableGateway(ctx, bad, gateways.EnableGatewayOptions{})
		kind, field := errorField(err)
		assert.Equal(t, []string{"invalid", "scope"}, []string{kind, field}, "%s: error %v", bad, err)
	}
}

func TestListGateways(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	ws, other := newWorkspace(t), newWorkspace(t)
	p := newProject(t, ws, nil)
	var want []string
	for _, opts := range []gateways.EnableGatewayOptions{{}, {Name: "extra", Namespace: p.Name}} {
		gw, err := gc.EnableGateway(ctx, tenancy.Workspace(ws), opts)
		require.NoError(t, err)
		t.Cleanup(func() { _ = env.Client.Delete(ctx, gw) })
		want = append(want, gw.Namespace+"/"+gw.Name)
	}
	ogw, err := gc.EnableGateway(ctx, tenancy.Workspace(other), gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.Client.Delete(ctx, ogw) })

	gws, err := gc.ListGateways(ctx, tenancy.Workspace(ws))
	require.NoError(t, err)
	var got []string
	for _, gw := range gws {
		got = append(got, gw.Namespace+"/"+gw.Name)
	}
	// Sorted by namespace: kubesphere-controls-system before p-...
	assert.Equal(t, want, got)
}

// TestGatewayClassChoice: options, then the Client's default, then the
// cluster's only GatewayClass. The only test that writes GatewayClasses.
func TestGatewayClassChoice(t *testing.T) {
	ctx := context.Background()
	_ = newClient(t) // testClass exists
	ws := newWorkspace(t)
	scope := tenancy.Workspace(ws)
	bare, err := gateways.NewClient(env.Client, gateways.ClientOptions{})
	require.NoError(t, err)

	gw, err := bare.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{})
	require.NoError(t, err, "the only class is chosen")
	t.Cleanup(func() { _ = env.Client.Delete(ctx, gw) })
	assert.Equal(t, gatewayapiv1.ObjectName(testClass), gw.Spec.GatewayClassName)

	second := &gatewayapiv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: name("second")}, Spec: gatewayapiv1.GatewayClassSpec{ControllerName: "example.com/other"}}
	create(t, second)
	_, err = bare.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{})
	kind, field := errorField(err)
	assert.Equal(t, []string{"invalid", "GatewayClassName"}, []string{kind, field}, "error %v", err)
	assert.ErrorContains(t, err, second.Name, "the choices are listed")

	gw, err = bare.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{GatewayClassName: second.Name})
	require.NoError(t, err)
	assert.Equal(t, gatewayapiv1.ObjectName(second.Name), gw.Spec.GatewayClassName, "options first")

	withDefault, err := gateways.NewClient(env.Client, gateways.ClientOptions{GatewayClassName: second.Name})
	require.NoError(t, err)
	gw, err = withDefault.EnableGateway(ctx, scope, gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	assert.Equal(t, gatewayapiv1.ObjectName(second.Name), gw.Spec.GatewayClassName, "then the Client's default")
}

func TestNewClient(t *testing.T) {
	_, err := gateways.NewClient(nil, gateways.ClientOptions{})
	kind, field := errorField(err)
	assert.Equal(t, []string{"invalid", "c"}, []string{kind, field})

	_, err = gateways.NewClient(env.Client, gateways.ClientOptions{GatewayClassName: "Not A Name"})
	kind, field = errorField(err)
	assert.Equal(t, []string{"invalid", "GatewayClassName"}, []string{kind, field})

	noGatewayAPI, err := client.New(env.Config, client.Options{})
	require.NoError(t, err)
	_, err = gateways.NewClient(noGatewayAPI, gateways.ClientOptions{})
	kind, field = errorField(err)
	assert.Equal(t, []string{"invalid", "c"}, []string{kind, field}, "a scheme without the kinds the Client writes")
}
