package csi

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv/internal/modcrds"
)

// The Go module the snapshot CRDs come from, and where in it they are: the
// client module of external-snapshotter, which ships the
// CustomResourceDefinitions the snapshot-controller serves.
const (
	SnapshotCRDModule  = "github.com/kubernetes-csi/external-snapshotter/client/v8"
	SnapshotCRDVersion = "v8.7.0"
	SnapshotCRDDir     = "config/crd"
)

// SnapshotGroup is the API group of VolumeSnapshot, VolumeSnapshotContent
// and VolumeSnapshotClass.
const SnapshotGroup = "snapshot.storage.k8s.io"

// SnapshotCRDs returns the CustomResourceDefinitions of VolumeSnapshot,
// VolumeSnapshotContent and VolumeSnapshotClass (snapshot.storage.k8s.io/v1)
// as the external-snapshotter client module ships them, sorted by name.
// The module is read from the module cache, downloaded through the module
// proxy when missing (verified like any module). Start installs them; pass
// them to testenv.Options.CRDs for a cluster that needs the kinds without
// a driver.
func SnapshotCRDs(ctx context.Context) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	m, err := modcrds.Download(ctx, SnapshotCRDModule, SnapshotCRDVersion)
	if err != nil {
		return nil, fmt.Errorf("csi: snapshot crds: %w", err)
	}
	defs, err := modcrds.ReadFiles(filepath.Join(m.Dir, SnapshotCRDDir, SnapshotGroup+"_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("csi: snapshot crds: %w", err)
	}
	for _, d := range defs {
		if d.Spec.Group != SnapshotGroup {
			return nil, fmt.Errorf("csi: snapshot crds: %s is not of %s", d.Name, SnapshotGroup)
		}
	}
	return defs, nil
}

// installSnapshotCRDs creates the snapshot CRDs that do not exist yet and
// waits until the API server serves all of them.
func installSnapshotCRDs(ctx context.Context, c client.Client) error {
	defs, err := SnapshotCRDs(ctx)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if err := c.Create(ctx, d); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("csi: install crd %s: %w", d.Name, err)
		}
	}
	for _, d := range defs {
		err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			got := &apiextensionsv1.CustomResourceDefinition{}
			if err := c.Get(ctx, client.ObjectKey{Name: d.Name}, got); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			for _, cond := range got.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("csi: wait for crd %s: %w", d.Name, err)
		}
	}
	return nil
}
