package csi

import (
	"context"
	"fmt"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv/snapshotapi"
)

// SnapshotGroup is the API group of VolumeSnapshot, VolumeSnapshotContent
// and VolumeSnapshotClass.
const SnapshotGroup = "snapshot.storage.k8s.io"

// installSnapshotCRDs creates the CRDs of SnapshotGroup that do not exist
// yet (from testenv/snapshotapi, so the version this module's go.mod
// selects) and waits until the API server serves all of them.
func installSnapshotCRDs(ctx context.Context, c client.Client) error {
	all, err := snapshotapi.CRDs(ctx)
	if err != nil {
		return fmt.Errorf("csi: %w", err)
	}
	var defs []*apiextensionsv1.CustomResourceDefinition
	for _, d := range all {
		if d.Spec.Group == SnapshotGroup {
			defs = append(defs, d)
		}
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
