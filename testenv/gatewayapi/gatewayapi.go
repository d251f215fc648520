package gatewayapi

import (
	"context"
	"fmt"
	"path/filepath"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit/testenv/internal/modcrds"
)

// ModulePath is the Go module the CRDs are read from.
const ModulePath = "sigs.k8s.io/gateway-api"

// Channel is a Gateway API release channel: a folder of config/crd.
type Channel string

const (
	// Standard is the stable kinds and fields (Gateway, GatewayClass,
	// HTTPRoute, GRPCRoute, ReferenceGrant, ...).
	Standard Channel = "standard"
	// Experimental adds the experimental kinds and fields.
	Experimental Channel = "experimental"
)

// CRDs returns the CustomResourceDefinitions of channel, sorted by name,
// decoded from the config/crd/<channel> folder of the gateway-api module.
// Documents of other kinds there (a ValidatingAdmissionPolicy guarding
// upgrades) are left out. Each call reads the files again and returns fresh
// objects.
func CRDs(ctx context.Context, channel Channel) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	if channel != Standard && channel != Experimental {
		return nil, fmt.Errorf("gateway api crds: unknown channel %q (want %q or %q)", channel, Standard, Experimental)
	}
	m, err := modcrds.Selected(ctx, ModulePath, (*gatewayapiv1.Gateway).DeepCopy)
	if err != nil {
		return nil, fmt.Errorf("gateway api crds: %w", err)
	}
	out, err := modcrds.ReadFiles(filepath.Join(m.Dir, "config", "crd", string(channel), "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("gateway api crds: %w", err)
	}
	return out, nil
}
