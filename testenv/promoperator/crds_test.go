package promoperator_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/promoperator"
)

func TestCRDs(t *testing.T) {
	defs, err := promoperator.CRDs(context.Background())
	require.NoError(t, err)
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	assert.Contains(t, names, "prometheusrules.monitoring.coreos.com")
	assert.Contains(t, names, "servicemonitors.monitoring.coreos.com")
	for _, d := range defs {
		if d.Name == "prometheusrules.monitoring.coreos.com" {
			require.Len(t, d.Spec.Versions, 1)
			assert.Equal(t, "v1", d.Spec.Versions[0].Name)
		}
	}
}
