package netpolapi

import (
	"context"
	"fmt"
	"path/filepath"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"

	"github.com/spherekit/spherekit/testenv/internal/modcrds"
)

// ModulePath is the Go module the CRDs are read from.
const ModulePath = "sigs.k8s.io/network-policy-api"

// Channel is a release channel of the API: a folder of config/crd.
type Channel string

const (
	// Standard is the stable fields.
	Standard Channel = "standard"
	// Experimental adds the experimental fields (named ports, nodes and
	// domain-name peers).
	Experimental Channel = "experimental"
)

// CRDs returns the CustomResourceDefinitions of channel, sorted by name,
// decoded from the config/crd/<channel> folder of the network-policy-api
// module. Documents of other kinds there are left out. Each call reads the
// files again and returns fresh objects.
func CRDs(ctx context.Context, channel Channel) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	if channel != Standard && channel != Experimental {
		return nil, fmt.Errorf("network policy api crds: unknown channel %q (want %q or %q)", channel, Standard, Experimental)
	}
	m, err := modcrds.Selected(ctx, ModulePath, (*policyv1beta1.ClusterNetworkPolicy).DeepCopy)
	if err != nil {
		return nil, fmt.Errorf("network policy api crds: %w", err)
	}
	folder := filepath.Join(m.Dir, "config", "crd", string(channel))
	out, err := modcrds.ReadFiles(filepath.Join(folder, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("network policy api crds: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("network policy api crds: no CustomResourceDefinition in %s", folder)
	}
	return out, nil
}

// ModuleDir returns the folder and version of the network-policy-api module
// the current folder's build list selects, downloading it when the module
// cache lacks it.
func ModuleDir(ctx context.Context) (dir, version string, err error) {
	m, err := modcrds.Download(ctx, ModulePath, "")
	if err != nil {
		return "", "", err
	}
	return m.Dir, m.Version, nil
}
