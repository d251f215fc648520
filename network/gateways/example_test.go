package gateways_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit"
	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	"github.com/spherekit/spherekit/network/gateways"
	"github.com/spherekit/spherekit/tenancy"
)

// newGatewaysClient connects to the cluster of the current kubeconfig.
func newGatewaysClient() *gateways.Client {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, spherekit.AddToScheme, gatewayapiv1.Install} {
		if err := add(scheme); err != nil {
			log.Fatal(err)
		}
	}
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	gc, err := gateways.NewClient(c, gateways.ClientOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return gc
}

func ExampleNewClient() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	_ = gatewayapiv1.Install(scheme) // Gateway API's v1 kinds
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	gc, err := gateways.NewClient(c, gateways.ClientOptions{FieldOwner: "my-portal", GatewayClassName: "envoy"})
	if err != nil {
		log.Fatal(err)
	}
	_ = gc
}

func ExampleClient_EnableGateway() {
	gc := newGatewaysClient()
	// An HTTPS gateway for workspace team-a: routes in the workspace's
	// projects may attach to it, routes anywhere else may not.
	gw, err := gc.EnableGateway(context.Background(), tenancy.Workspace("team-a"), gateways.EnableGatewayOptions{
		Listeners: []gatewayapiv1.Listener{{
			Name:     "https",
			Port:     443,
			Protocol: gatewayapiv1.HTTPSProtocolType,
			TLS:      &gatewayapiv1.ListenerTLSConfig{CertificateRefs: []gatewayapiv1.SecretObjectReference{{Name: "team-a-cert"}}},
		}},
	})
	var nf *gateways.NotFoundError
	if errors.As(err, &nf) {
		log.Fatalf("no such %s: %s", nf.Kind, nf.Name)
	}
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("gateway %s/%s", gw.Namespace, gw.Name)
}

func ExampleClient_DisableGateway() {
	gc := newGatewaysClient()
	err := gc.DisableGateway(context.Background(), tenancy.Project("shop"), gateways.EnableGatewayOptions{})
	if err != nil && !errors.Is(err, gateways.ErrNotFound) {
		log.Fatal(err)
	}
}

func ExampleClient_ListGateways() {
	gc := newGatewaysClient()
	gws, err := gc.ListGateways(context.Background(), tenancy.Workspace("team-a"))
	if err != nil {
		log.Fatal(err)
	}
	for _, gw := range gws {
		log.Printf("%s/%s class %s", gw.Namespace, gw.Name, gw.Spec.GatewayClassName)
	}
}

func ExampleClient_ShareIngressClass() {
	gc := newGatewaysClient()
	// Offer the nginx ingress class to workspace team-a's projects, as their
	// default, served behind the Service ingress-nginx/controller.
	_, err := gc.ShareIngressClass(context.Background(), "nginx", gateways.ShareIngressClassOptions{
		Name:    "nginx-team-a",
		Scope:   tenancy.Workspace("team-a"),
		Default: true,
		Service: "ingress-nginx/controller",
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_UnshareIngressClass() {
	gc := newGatewaysClient()
	if err := gc.UnshareIngressClass(context.Background(), "nginx-team-a"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_AvailableIngressClasses() {
	gc := newGatewaysClient()
	classes, err := gc.AvailableIngressClasses(context.Background(), "shop")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range classes {
		log.Printf("%s (default %t) at %v", c.Name, c.Default, c.Addresses)
	}
}

func ExampleRouteNamespaces() {
	for _, scope := range []tenancy.Scope{tenancy.Workspace("team-a"), tenancy.Project("shop")} {
		rn := gateways.RouteNamespaces(scope)
		fmt.Printf("%s: from %s, %v\n", scope, *rn.From, rn.Selector.MatchLabels)
	}
	// Output:
	// workspace team-a: from Selector, map[kubesphere.io/workspace:team-a]
	// project shop: from Selector, map[kubernetes.io/metadata.name:shop]
}

func ExampleDefaultGatewayName() {
	fmt.Println(gateways.DefaultGatewayName(tenancy.Workspace("team-a")))
	fmt.Println(gateways.DefaultGatewayName(tenancy.Project("shop")))
	// Output:
	// workspace-team-a
	// project-shop
}

func ExampleAdmits() {
	prod := gatewayv1alpha2.Scope{NamespaceSelector: "env in (prod,staging)"}
	fmt.Println(gateways.Admits(prod, "shop", map[string]string{"env": "prod"}))
	fmt.Println(gateways.Admits(prod, "lab", map[string]string{"env": "dev"}))
	// Listed namespaces decide alone.
	listed := gatewayv1alpha2.Scope{Namespaces: []string{"lab"}, NamespaceSelector: "env=prod"}
	fmt.Println(gateways.Admits(listed, "lab", map[string]string{"env": "dev"}))
	// A selector that does not parse admits nothing.
	fmt.Println(gateways.Admits(gatewayv1alpha2.Scope{NamespaceSelector: "env in (prod"}, "shop", map[string]string{"env": "prod"}))
	// Output:
	// true
	// false
	// true
	// false
}
