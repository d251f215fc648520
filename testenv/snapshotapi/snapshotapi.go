package snapshotapi

import (
	"context"
	"fmt"
	"path/filepath"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/spherekit/spherekit/testenv/internal/modcrds"
)

// ModulePath is the Go module that ships the CRDs.
const ModulePath = "github.com/kubernetes-csi/external-snapshotter/client/v8"

// CRDs returns every CRD of config/crd (its kustomization.yaml aside) in
// the selected module version, sorted by name.
func CRDs(ctx context.Context) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	m, err := modcrds.Selected(ctx, ModulePath, (*snapshotv1.VolumeSnapshot).DeepCopy)
	if err != nil {
		return nil, fmt.Errorf("snapshot api crds: %w", err)
	}
	out, err := modcrds.ReadFiles(filepath.Join(m.Dir, "config", "crd", "*.storage.k8s.io_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("snapshot api crds: %w", err)
	}
	return out, nil
}
