package calico

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/spherekit/spherekit/testenv/internal/modcrds"
)

// The Go module the CRDs come from, and where in it they are.
const (
	Module  = "github.com/projectcalico/calico"
	Version = "v1.11.0-cni-plugin.0.20250813170300-a0db560f0520"
	CRDDir  = "libcalico-go/config/crd"
)

// Group is the API group of Calico's CRDs.
const Group = "crd.projectcalico.org"

// ModuleDir returns the folder of Module at Version in the module cache,
// downloading it first when it is not there.
func ModuleDir(ctx context.Context) (string, error) {
	m, err := modcrds.Download(ctx, Module, Version)
	if err != nil {
		return "", fmt.Errorf("calico: %w", err)
	}
	return m.Dir, nil
}

// CRDs returns every CustomResourceDefinition of Calico's module, sorted by
// name. Each call returns new objects.
func CRDs(ctx context.Context) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dir, err := ModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	return ReadCRDs(filepath.Join(dir, CRDDir))
}

// ReadCRDs decodes the crd.projectcalico.org_*.yaml files of dir, one CRD
// each, and checks that each is of Group.
func ReadCRDs(dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	paths, err := filepath.Glob(filepath.Join(dir, Group+"_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("calico: list CRDs: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("calico: no %s_*.yaml files in %s", Group, dir)
	}
	sort.Strings(paths)
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(paths))
	for _, p := range paths {
		defs, err := modcrds.DecodeFile(p)
		if err != nil {
			return nil, fmt.Errorf("calico: decode %s: %w", filepath.Base(p), err)
		}
		if len(defs) != 1 || defs[0].Spec.Group != Group {
			return nil, fmt.Errorf("calico: %s is not a CRD of %s", filepath.Base(p), Group)
		}
		out = append(out, defs[0])
	}
	return out, nil
}

// Only returns the CRDs of defs whose kinds are listed, in that order, or
// an error naming a kind that is missing.
func Only(defs []*apiextensionsv1.CustomResourceDefinition, kinds ...string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(kinds))
	for _, k := range kinds {
		found := false
		for _, d := range defs {
			if d.Spec.Names.Kind == k {
				out = append(out, d)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("calico: no CRD of kind %s", k)
		}
	}
	return out, nil
}
