package calico_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/calico"
)

func TestCRDs(t *testing.T) {
	defs, err := calico.CRDs(context.Background())
	require.NoError(t, err)
	only, err := calico.Only(defs, "IPPool", "IPAMBlock")
	require.NoError(t, err)
	assert.Equal(t, "ippools.crd.projectcalico.org", only[0].Name)
	assert.Equal(t, "ipamblocks.crd.projectcalico.org", only[1].Name)
	for _, d := range only {
		require.Len(t, d.Spec.Versions, 1)
		assert.Equal(t, "v1", d.Spec.Versions[0].Name)
		props := d.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties
		assert.Contains(t, props, "cidr")
	}
	ippool := only[0].Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties
	for _, f := range []string{"blockSize", "disabled", "ipipMode", "vxlanMode", "natOutgoing", "nodeSelector"} {
		assert.Contains(t, ippool, f)
	}
	_, err = calico.Only(defs, "NoSuchKind")
	assert.Error(t, err)
}

func TestReadCRDsRefuses(t *testing.T) {
	dir := t.TempDir()
	_, err := calico.ReadCRDs(dir)
	assert.ErrorContains(t, err, "no crd.projectcalico.org_*.yaml")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "crd.projectcalico.org_x.yaml"), []byte("kind: ConfigMap\n"), 0o600))
	_, err = calico.ReadCRDs(dir)
	assert.ErrorContains(t, err, "is not a CRD")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "crd.projectcalico.org_x.yaml"), []byte("kind: [\n"), 0o600))
	_, err = calico.ReadCRDs(dir)
	assert.ErrorContains(t, err, "decode")
}
