package promoperator

import (
	"context"
	"fmt"
	"path/filepath"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/spherekit/spherekit/testenv/internal/modcrds"
)

// The Go module the CRDs come from, and where in it they are.
const (
	Module  = "github.com/prometheus-operator/prometheus-operator"
	Version = "v0.94.1"
	CRDDir  = "example/prometheus-operator-crd-full"
)

// Group is the API group of prometheus-operator's CRDs.
const Group = "monitoring.coreos.com"

// CRDs returns every CustomResourceDefinition of the module's CRDDir,
// sorted by name. Each call returns new objects.
func CRDs(ctx context.Context) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	m, err := modcrds.Download(ctx, Module, Version)
	if err != nil {
		return nil, fmt.Errorf("prometheus-operator crds: %w", err)
	}
	defs, err := modcrds.ReadFiles(filepath.Join(m.Dir, CRDDir, Group+"_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("prometheus-operator crds: %w", err)
	}
	for _, d := range defs {
		if d.Spec.Group != Group {
			return nil, fmt.Errorf("prometheus-operator crds: %s is not of %s", d.Name, Group)
		}
	}
	return defs, nil
}
