package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/storage"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi"
	"github.com/spherekit/spherekit/testenv/snapshotapi"
)

// env is a control plane with one simulated node and the snapshot API's
// CRDs; no spherekit controller or webhook runs. Capability and accessor
// tests create CSIDrivers, CSINodes, StorageClasses and
// VolumeSnapshotClasses as plain objects. Volume tests run on two real CSI
// stacks (testenv/csi: spherekit's own hostpath driver behind the real
// external-provisioner, external-snapshotter and external-resizer):
// fullClass's driver snapshots, clones and expands; limitedClass's does
// none of them, and its class does not allow expansion.
var env *testenv.Environment

// sc is the storage.Client under test, over env's direct client.
var sc *storage.Client

// The real drivers and their classes.
var (
	full, limited           *csi.Driver
	fullClass, limitedClass string
	fullSnapshotClass       string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	scheme, err := newScheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defs, err := snapshotapi.CRDs(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return testenv.RunWithManager(ctx, testenv.RunInput{
		M:       m,
		Options: testenv.Options{Scheme: scheme, CRDs: defs, Nodes: 1},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) error {
			env = e
			sc, err = storage.NewClient(e.Client, storage.ClientOptions{})
			if err != nil {
				return err
			}
			return startDrivers(ctx, e)
		},
		TeardownEnv: func(*testenv.Environment) error {
			var errs []error
			for _, d := range []*csi.Driver{full, limited} {
				if d != nil {
					errs = append(errs, d.Stop())
				}
			}
			return errors.Join(errs...)
		},
	})
}

// startDrivers starts the two CSI stacks and creates their classes.
func startDrivers(ctx context.Context, e *testenv.Environment) error {
	var err error
	if full, err = csi.Start(ctx, e.Cluster, csi.Options{Name: "full.csi.spherekit.io", Progress: os.Stderr}); err != nil {
		return err
	}
	if limited, err = csi.Start(ctx, e.Cluster, csi.Options{Name: "limited.csi.spherekit.io",
		DisableSnapshots: true, DisableClones: true, DisableExpansion: true, Progress: os.Stderr}); err != nil {
		return err
	}
	fullClass, limitedClass, fullSnapshotClass = "csi-full", "csi-limited", "csi-full-snapshots"
	immediate := storagev1.VolumeBindingImmediate
	objs := []client.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: fullClass}, Provisioner: full.Name(),
			AllowVolumeExpansion: ptr.To(true), VolumeBindingMode: &immediate},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: limitedClass}, Provisioner: limited.Name(),
			VolumeBindingMode: &immediate},
		&snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: fullSnapshotClass}, Driver: full.Name(),
			DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete},
	}
	for _, o := range objs {
		if err := e.Client.Create(ctx, o); err != nil {
			return fmt.Errorf("create %T %s: %w", o, o.GetName(), err)
		}
	}
	return nil
}

func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, spherekit.AddToScheme, snapshotv1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// name returns a fresh DNS-label name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// create creates obj and deletes it when the test ends.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

// class creates a StorageClass of provisioner.
func class(t *testing.T, provisioner string, mutate ...func(*storagev1.StorageClass)) string {
	t.Helper()
	c := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name("sc")}, Provisioner: provisioner}
	for _, m := range mutate {
		m(c)
	}
	create(t, c)
	return c.Name
}

// workspace creates a Workspace with labels.
func workspace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws"), Labels: labels}}
	create(t, ws)
	return ws.Name
}

// project creates a namespace in workspace ws (none when empty).
func project(t *testing.T, ws string, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("proj"), Labels: map[string]string{testenv.NamespaceLabel: "storage"}}}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	if ws != "" {
		ns.Labels[tenantv1beta1.WorkspaceLabel] = ws
	}
	create(t, ns)
	return ns.Name
}
