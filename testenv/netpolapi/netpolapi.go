package netpolapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
	"sigs.k8s.io/yaml"
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
	dir, version, err := ModuleDir(ctx)
	if err != nil {
		return nil, fmt.Errorf("network policy api crds: %w", err)
	}
	if linked := linkedVersion(); linked != "" && linked != version {
		return nil, fmt.Errorf("network policy api crds: the module in this folder selects %s %s but this binary is built with %s", ModulePath, version, linked)
	}
	folder := filepath.Join(dir, "config", "crd", string(channel))
	files, err := filepath.Glob(filepath.Join(folder, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("network policy api crds: %w", err)
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		defs, err := decodeFile(f)
		if err != nil {
			return nil, fmt.Errorf("network policy api crds: %s: %w", filepath.Base(f), err)
		}
		out = append(out, defs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("network policy api crds: no CustomResourceDefinition in %s", folder)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ModuleDir returns the folder and version of the network-policy-api module
// the current folder's build list selects, downloading it when the module
// cache lacks it.
func ModuleDir(ctx context.Context) (dir, version string, err error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", "", fmt.Errorf("find the go command: %w", err)
	}
	cmd := exec.CommandContext(ctx, gobin, "mod", "download", "-json", ModulePath)
	// Module mode whatever the caller's settings: vendoring or a workspace
	// would hide the module cache's copy.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("go mod download -json %s: %w: %s", ModulePath, err, strings.TrimSpace(stderr.String()+stdout.String()))
	}
	var m struct {
		Version, Dir, Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		return "", "", fmt.Errorf("go mod download -json %s: %w", ModulePath, err)
	}
	if m.Error != "" {
		return "", "", fmt.Errorf("go mod download -json %s: %s", ModulePath, m.Error)
	}
	if m.Dir == "" {
		return "", "", fmt.Errorf("go mod download -json %s: no folder reported", ModulePath)
	}
	return m.Dir, m.Version, nil
}

// linkedVersion is the version of the module this binary is built with, or
// "" when the binary carries no build information or the module is
// replaced.
func linkedVersion() string {
	_ = policyv1beta1.GroupName // the import that links the module in
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path == ModulePath {
			if dep.Replace != nil {
				return ""
			}
			return dep.Version
		}
	}
	return ""
}

// decodeFile returns the CRDs among the YAML documents of name.
func decodeFile(name string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	docs := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []*apiextensionsv1.CustomResourceDefinition
	for n := 1; ; n++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if meta.APIVersion != apiextensionsv1.SchemeGroupVersion.String() || meta.Kind != "CustomResourceDefinition" {
			continue
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(doc, crd); err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if crd.Name == "" {
			return nil, fmt.Errorf("document %d: a CustomResourceDefinition without a name", n)
		}
		out = append(out, crd)
	}
}
