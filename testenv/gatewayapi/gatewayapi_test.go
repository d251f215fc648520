package gatewayapi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit/testenv/gatewayapi"
)

func TestCRDs(t *testing.T) {
	tests := []struct {
		channel gatewayapi.Channel
		has     []string
		hasNot  []string
	}{
		{
			channel: gatewayapi.Standard,
			has:     []string{"gateways.gateway.networking.k8s.io", "gatewayclasses.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io", "referencegrants.gateway.networking.k8s.io"},
			hasNot:  []string{"xbackendtrafficpolicies.gateway.networking.x-k8s.io"},
		},
		{
			channel: gatewayapi.Experimental,
			has:     []string{"gateways.gateway.networking.k8s.io", "xbackendtrafficpolicies.gateway.networking.x-k8s.io"},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.channel), func(t *testing.T) {
			defs, err := gatewayapi.CRDs(context.Background(), tt.channel)
			require.NoError(t, err)
			names := map[string]bool{}
			for i, d := range defs {
				names[d.Name] = true
				if i > 0 {
					assert.Less(t, defs[i-1].Name, d.Name, "sorted by name, no duplicates")
				}
				assert.Equal(t, string(tt.channel), d.Annotations["gateway.networking.k8s.io/channel"], d.Name)
			}
			for _, n := range tt.has {
				assert.True(t, names[n], "%s in %s", n, tt.channel)
			}
			for _, n := range tt.hasNot {
				assert.False(t, names[n], "%s not in %s", n, tt.channel)
			}
		})
	}
}

// TestGatewayCarriesCELRules: the Gateway CRD is the upstream one, with the
// CEL rules the API server enforces (listener names unique, ...), served at
// the version whose Go types this module builds with.
func TestGatewayCarriesCELRules(t *testing.T) {
	defs, err := gatewayapi.CRDs(context.Background(), gatewayapi.Standard)
	require.NoError(t, err)
	var rules []string
	var served bool
	for _, d := range defs {
		if d.Name != "gateways."+gatewayapiv1.GroupName {
			continue
		}
		for _, v := range d.Spec.Versions {
			if v.Name != "v1" {
				continue
			}
			served = v.Served && v.Storage
			listeners := v.Schema.OpenAPIV3Schema.Properties["spec"].Properties["listeners"]
			for _, r := range listeners.XValidations {
				rules = append(rules, r.Message)
			}
		}
	}
	assert.True(t, served, "gateway v1 is served and stored")
	assert.Contains(t, rules, "Listener name must be unique within the Gateway")
}

func TestUnknownChannel(t *testing.T) {
	_, err := gatewayapi.CRDs(context.Background(), "nightly")
	require.ErrorContains(t, err, `unknown channel "nightly"`)
}
