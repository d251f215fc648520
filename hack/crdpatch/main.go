// Command crdpatch applies to the generated CRDs the schema rules of
// KubeSphere's CRDs that controller-gen markers cannot express, so that
// spherekit's CRDs accept exactly what KubeSphere's accept. go generate runs
// it after controller-gen (see doc.go at the module root).
//
// It also writes every CRD back through a typed round trip, so that the
// files are the same from run to run (see patchFile).
//
// Today there is one such rule: KubeSphere's bindings require
// roleRef.apiGroup (KubeSphere generated its CRDs with a k8s.io/api in which
// rbacv1.RoleRef.APIGroup was required; it is optional in the k8s.io/api
// spherekit builds with), at every version of GlobalRoleBinding,
// ClusterRoleBinding, WorkspaceRoleBinding and RoleBinding.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: crdpatch <crd directory>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "crdpatch:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := patchFile(name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func patchFile(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		return err
	}
	for i := range crd.Spec.Versions {
		v := &crd.Spec.Versions[i]
		if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		ref, ok := v.Schema.OpenAPIV3Schema.Properties["roleRef"]
		if !ok {
			continue
		}
		if _, has := ref.Properties["apiGroup"]; has && !slices.Contains(ref.Required, "apiGroup") {
			ref.Required = append([]string{"apiGroup"}, ref.Required...)
			v.Schema.OpenAPIV3Schema.Properties["roleRef"] = ref
		}
	}
	// Every file is written back, patched or not: the typed round trip
	// orders each schema's properties by name, which controller-gen does
	// not do reliably (the properties load1m, load5m and load15m of the
	// alerting CRDs came out in a different order from run to run).
	out, err := yaml.Marshal(crd)
	if err != nil {
		return err
	}
	// Keep controller-gen's document separator and drop the empty status
	// the typed round trip adds.
	out = bytes.Replace(out, []byte("status:\n  acceptedNames:\n    kind: \"\"\n    plural: \"\"\n  conditions: null\n  storedVersions: null\n"), nil, 1)
	return os.WriteFile(name, append([]byte("---\n"), out...), 0o644)
}
