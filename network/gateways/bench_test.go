package gateways_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	"github.com/spherekit/spherekit/network/gateways"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// Scale of BenchmarkAvailableIngressClasses.
const (
	benchWorkspaces   = 20
	benchPerWorkspace = 10 // projects per workspace
	benchScopes       = 1000
	benchLabel        = "bench.spherekit.io/gateways"
)

// BenchmarkAvailableIngressClasses answers "which ingress classes may this
// namespace use" with 1,000 IngressClassScopes and 200 namespaces read from
// a controller-runtime cache, as a host reads them, side by side with the
// anchor: the way KubeSphere's handler answers, which lists the namespaces
// each selector scope matches and looks for the namespace among them
// (written here from its description; an unparsable selector is absent
// from the data, so both rules give the same answers). Before timing, both
// must name the same scopes for every namespace.
func BenchmarkAvailableIngressClasses(b *testing.B) {
	ctx := context.Background()
	newClient(b)
	var namespaces []string
	for w := range benchWorkspaces {
		ws := fmt.Sprintf("bench-ws-%d", w)
		for p := range benchPerWorkspace {
			env := "dev"
			if p%2 == 0 {
				env = "prod"
			}
			namespaces = append(namespaces, newProject(b, ws, map[string]string{"env": env, benchLabel: "yes"}).Name)
		}
	}
	for i := range benchScopes {
		ws := fmt.Sprintf("bench-ws-%d", i%benchWorkspaces)
		var scope gatewayv1alpha2.Scope
		switch i % 4 {
		case 0: // every namespace
		case 1:
			scope.Namespaces = []string{namespaces[i%len(namespaces)], namespaces[(i*7)%len(namespaces)], namespaces[(i*13)%len(namespaces)]}
		case 2:
			scope.NamespaceSelector = tenantv1beta1.WorkspaceLabel + "=" + ws
		case 3:
			scope.NamespaceSelector = "env in (prod)," + tenantv1beta1.WorkspaceLabel + "=" + ws
		}
		ics := scopeObject(fmt.Sprintf("bench-%04d", i), fmt.Sprintf("class-%d", i%10), i%50 == 0, scope, "")
		ics.Labels = map[string]string{benchLabel: "yes"}
		require.NoError(b, env.Client.Create(ctx, ics))
	}
	b.Cleanup(func() {
		_ = env.Client.DeleteAllOf(ctx, &gatewayv1alpha2.IngressClassScope{}, client.MatchingLabels{benchLabel: "yes"})
	})

	cc := env.StartCache(b, cache.Options{}, nil)
	cached, err := client.New(env.Config, client.Options{Scheme: env.Scheme, Cache: &client.CacheOptions{Reader: cc}})
	require.NoError(b, err)
	gc, err := gateways.NewClient(cached, gateways.ClientOptions{})
	require.NoError(b, err)

	ours := func(ns string) []string {
		acs, err := gc.AvailableIngressClasses(ctx, ns)
		require.NoError(b, err)
		out := make([]string, 0, len(acs))
		for _, ac := range acs {
			out = append(out, ac.Scope.Name)
		}
		return out
	}
	anchor := func(ns string) []string {
		list := &gatewayv1alpha2.IngressClassScopeList{}
		require.NoError(b, cached.List(ctx, list))
		var out []string
		for _, ics := range list.Items {
			s := ics.Spec.Scope
			switch {
			case len(s.Namespaces) == 0 && s.NamespaceSelector == "":
				out = append(out, ics.Name)
			case len(s.Namespaces) > 0:
				if slices.Contains(s.Namespaces, ns) {
					out = append(out, ics.Name)
				}
			default:
				sel, err := labels.Parse(s.NamespaceSelector)
				if err != nil {
					sel = labels.Everything()
				}
				nss := &corev1.NamespaceList{}
				require.NoError(b, cached.List(ctx, nss, client.MatchingLabelsSelector{Selector: sel}))
				if slices.ContainsFunc(nss.Items, func(n corev1.Namespace) bool { return n.Name == ns }) {
					out = append(out, ics.Name)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	// Both see every scope, then agree on every namespace.
	testenv.Eventually(b, func() (bool, error) {
		list := &gatewayv1alpha2.IngressClassScopeList{}
		err := cached.List(ctx, list, client.MatchingLabels{benchLabel: "yes"})
		return err == nil && len(list.Items) == benchScopes, err
	}, "the cache holds the %d scopes", benchScopes)
	for _, ns := range namespaces {
		o, a := ours(ns), anchor(ns)
		require.Equal(b, a, o, "namespace %s", ns)
		require.NotEmpty(b, o)
	}

	for _, side := range []struct {
		name string
		run  func(string) []string
	}{{"spherekit", ours}, {"anchor-list-namespaces-per-selector", anchor}} {
		b.Run(side.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				side.run(namespaces[i%len(namespaces)])
				i++
			}
		})
	}
}
