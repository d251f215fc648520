package snapshotapi_test

import (
	"context"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/snapshotapi"
)

func TestCRDs(t *testing.T) {
	defs, err := snapshotapi.CRDs(context.Background())
	require.NoError(t, err)
	served := map[string]bool{}
	for _, d := range defs {
		for _, v := range d.Spec.Versions {
			if v.Served && v.Storage {
				served[d.Name+"/"+v.Name] = true
			}
		}
	}
	for _, resource := range []string{"volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots"} {
		assert.True(t, served[resource+"."+snapshotv1.GroupName+"/v1"], "%s served and stored at v1", resource)
	}
}
