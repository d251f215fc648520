package netpolapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRDs(t *testing.T) {
	for _, ch := range []Channel{Standard, Experimental} {
		t.Run(string(ch), func(t *testing.T) {
			defs, err := CRDs(context.Background(), ch)
			require.NoError(t, err)
			var names []string
			for _, d := range defs {
				names = append(names, d.Name)
			}
			// v0.3.0 ships ClusterNetworkPolicy only: no AdminNetworkPolicy
			// or BaselineAdminNetworkPolicy CRD.
			require.Equal(t, []string{"clusternetworkpolicies.policy.networking.k8s.io"}, names)
			d := defs[0]
			assert.Equal(t, string(ch), d.Annotations["policy.networking.k8s.io/channel"])
			_, version, err := ModuleDir(context.Background())
			require.NoError(t, err)
			assert.Equal(t, version, d.Annotations["policy.networking.k8s.io/bundle-version"])
			stored := ""
			for _, v := range d.Spec.Versions {
				assert.True(t, v.Served, v.Name)
				if v.Storage {
					stored = v.Name
				}
			}
			assert.Equal(t, "v1beta1", stored)
		})
	}
}

func TestCRDsRefusesAnUnknownChannel(t *testing.T) {
	_, err := CRDs(context.Background(), "beta")
	require.ErrorContains(t, err, `unknown channel "beta"`)
}
