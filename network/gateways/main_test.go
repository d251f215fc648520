package gateways_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/network/gateways"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/gatewayapi"
)

// env is an API server with the spherekit CRDs and Gateway API's standard
// CRDs, whose schemas and CEL rules validate every Gateway the tests write.
// No gateway controller runs: the tests check what the API server stores.
var env *testenv.Cluster

// testClass is the GatewayClass of the package's Client (gc).
const testClass = "spherekit-test"

func TestMain(m *testing.M) {
	var defs []*apiextensionsv1.CustomResourceDefinition
	if !testenv.Fuzzing() {
		var err error
		if defs, err = gatewayapi.CRDs(context.Background(), gatewayapi.Standard); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	testenv.Run(m, testenv.Options{CRDs: defs, Scheme: newScheme()}, func(c *testenv.Cluster) { env = c })
}

// newScheme knows the built-in kinds, CRDs, spherekit's groups and Gateway
// API's v1 kinds.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, spherekit.AddToScheme, gatewayapiv1.Install} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

var setupOnce = sync.OnceValue(func() error {
	ctx := context.Background()
	for _, obj := range []client.Object{
		&gatewayapiv1.GatewayClass{ObjectMeta: metav1.ObjectMeta{Name: testClass}, Spec: gatewayapiv1.GatewayClassSpec{ControllerName: "example.com/gateway-controller"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gateways.DefaultWorkspaceGatewayNamespace}},
	} {
		if err := env.Client.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
})

// newClient returns a Client whose default GatewayClass is testClass, once
// the class and DefaultWorkspaceGatewayNamespace exist.
func newClient(t testing.TB) *gateways.Client {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	require.NoError(t, setupOnce())
	gc, err := gateways.NewClient(env.Client, gateways.ClientOptions{GatewayClassName: testClass})
	require.NoError(t, err)
	return gc
}

// name returns a fresh DNS-label name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// newWorkspace creates a Workspace, deleted when the test ends.
func newWorkspace(t testing.TB) string {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
	create(t, ws)
	return ws.Name
}

// newProject creates a namespace labelled as a project of ws (none when ws
// is empty) with extra labels, deleted when the test ends.
func newProject(t testing.TB, ws string, extra map[string]string) *corev1.Namespace {
	t.Helper()
	l := maps.Clone(extra)
	if l == nil {
		l = map[string]string{}
	}
	if ws != "" {
		l[tenantv1beta1.WorkspaceLabel] = ws
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("p"), Labels: l}}
	create(t, ns)
	return ns
}

// create creates obj and deletes it (if still there) when the test ends.
func create(t testing.TB, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

// exists reports whether obj (name and namespace set) exists, reading it.
func exists(t testing.TB, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("get %s: %v", client.ObjectKeyFromObject(obj), err)
	}
	return err == nil
}

// errorField returns the Field of err's typed error and its type, for
// table checks.
func errorField(err error) (kind, field string) {
	var ie *gateways.InvalidError
	var nf *gateways.NotFoundError
	var ce *gateways.ConflictError
	switch {
	case errors.As(err, &ie):
		return "invalid", ie.Field
	case errors.As(err, &nf):
		return "notfound", nf.Field
	case errors.As(err, &ce):
		return "conflict", ce.Field
	case err == nil:
		return "", ""
	default:
		return "other", err.Error()
	}
}
