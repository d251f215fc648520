package controllers_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/storage/controllers"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/snapshotapi"
)

// env is an API-only control plane with the snapshot API's CRDs, whose
// manager runs every storage reconciler. No CSI driver runs: CSIDrivers,
// CSINodes, VolumeSnapshotClasses and claims are plain objects here, which
// is all the reconcilers read. No garbage collector runs either, so what
// the reconcilers delete themselves is seen as they leave it.
var env *testenv.Environment

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, spherekit.AddToScheme, snapshotv1.AddToScheme} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	defs, err := snapshotapi.CRDs(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return testenv.RunWithManager(ctx, testenv.RunInput{
		M:       m,
		Options: testenv.Options{Scheme: scheme, CRDs: defs},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			if !controllers.SnapshotAPIAvailable(mgr.GetScheme(), mgr.GetRESTMapper()) {
				return fmt.Errorf("the snapshot api is installed but not found")
			}
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{})
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	})
}

// name returns a fresh DNS-label name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// create creates obj and deletes it when the test ends.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

// eventually is testenv.Eventually for a condition without an error.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}
