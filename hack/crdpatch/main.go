// Command crdpatch applies to the generated CRDs the schema rules of
// KubeSphere's CRDs that controller-gen markers cannot express, so that
// spherekit's CRDs accept exactly what KubeSphere's accept. go generate runs
// it after controller-gen (see doc.go at the module root).
//
// It also writes every CRD back through a typed round trip with keys in a
// fixed order, so that the files are the same from run to run (see
// marshalSorted).
//
// Today there is one such rule: KubeSphere's bindings require
// roleRef.apiGroup (KubeSphere generated its CRDs with a k8s.io/api in which
// rbacv1.RoleRef.APIGroup was required; it is optional in the k8s.io/api
// spherekit builds with), at every version of GlobalRoleBinding,
// ClusterRoleBinding, WorkspaceRoleBinding and RoleBinding.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	sigsyaml "sigs.k8s.io/yaml"
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
	if err := sigsyaml.UnmarshalStrict(data, crd); err != nil {
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
	out, err := marshalSorted(crd)
	if err != nil {
		return err
	}
	return os.WriteFile(name, append([]byte("---\n"), out...), 0o644)
}

// marshalSorted writes crd as YAML with every mapping's keys sorted bytewise.
// sigs.k8s.io/yaml cannot be used for this: it sorts keys with go-yaml's
// "natural" order, which is not transitive (load15m < load1m < load5m <
// load15m), so the alerting CRDs' properties came out in a different order
// from run to run. The empty status the typed round trip adds is dropped, as
// controller-gen writes none.
func marshalSorted(crd *apiextensionsv1.CustomResourceDefinition) ([]byte, error) {
	data, err := json.Marshal(crd)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	// JSON is YAML, and go-yaml's node tree keeps the document's key order.
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("marshalled CRD is not a mapping")
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "status" {
			root.Content = slices.Delete(root.Content, i, i+2)
			break
		}
	}
	normalize(root)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// normalize sorts every mapping's keys bytewise and clears the flow and
// quoting styles the JSON source gave every node, so the encoder writes block
// YAML and quotes a string only where its plain form would read as another
// type.
func normalize(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		normalize(c)
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	pairs := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		pairs = append(pairs, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	slices.SortFunc(pairs, func(a, b [2]*yaml.Node) int { return strings.Compare(a[0].Value, b[0].Value) })
	n.Content = n.Content[:0]
	for _, p := range pairs {
		n.Content = append(n.Content, p[0], p[1])
	}
}
