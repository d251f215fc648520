package modcrds

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func crd(name string) string {
	return "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: " + name + "}\n" +
		"spec: {group: example.com, names: {kind: X, plural: xs}, scope: Namespaced, versions: [{name: v1, served: true, storage: true}]}\n"
}

func TestDecode(t *testing.T) {
	stream := crd("xs.example.com") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped}\n---\n" +
		crd("ys.example.com") + "status: {storedVersions: [v1], acceptedNames: {kind: Y, plural: ys}}\n"
	defs, err := Decode(strings.NewReader(stream))
	require.NoError(t, err)
	require.Len(t, defs, 2, "the ConfigMap is left out")
	assert.Equal(t, "xs.example.com", defs[0].Name)
	assert.Equal(t, "ys.example.com", defs[1].Name)
	assert.Equal(t, apiextensionsv1.CustomResourceDefinitionStatus{}, defs[1].Status, "the status is dropped")

	for name, tt := range map[string]struct{ doc, err string }{
		"an unknown field":  {crd("xs.example.com") + "surprise: 1\n", `document 1: error unmarshaling JSON: while decoding JSON: json: unknown field "surprise"`},
		"no name":           {crd(`""`), "document 1: a CustomResourceDefinition without a name"},
		"not YAML":          {crd("xs.example.com") + "---\nkind: [\n", "document 2: "},
		"a wrong kind name": {"apiVersion: v1\nkind: [x]\n", "document 1: "},
	} {
		_, err := Decode(strings.NewReader(tt.doc))
		assert.ErrorContains(t, err, tt.err, name)
	}
}

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFiles(filepath.Join(dir, "*.yaml"))
	assert.ErrorContains(t, err, "no file matches")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(crd("zs.example.com")), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(crd("bs.example.com")+"---\n"+crd("ms.example.com")), 0o600))
	defs, err := ReadFiles(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	assert.Equal(t, []string{"bs.example.com", "ms.example.com", "zs.example.com"}, names, "sorted by name across files")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("kind: [\n"), 0o600))
	_, err = ReadFiles(filepath.Join(dir, "*.yaml"))
	assert.ErrorContains(t, err, "c.yaml: document 1")
}

// TestDownload reads modules this module requires (in the module cache
// once the tests are built), at the selected version and pinned.
func TestDownload(t *testing.T) {
	ctx := context.Background()
	const path = "k8s.io/apiextensions-apiserver" // linked into this test binary
	fn := (*apiextensionsv1.CustomResourceDefinition).DeepCopy
	selected, err := Selected(ctx, path, fn)
	require.NoError(t, err)
	assert.Equal(t, path, selected.Path)
	assert.NotEmpty(t, selected.Version)
	assert.Equal(t, selected.Version, LinkedVersion(path, fn), "the version this binary is built with")
	assert.FileExists(t, filepath.Join(selected.Dir, "go.mod"))

	pinned, err := Download(ctx, path, selected.Version)
	require.NoError(t, err)
	assert.Equal(t, selected, pinned)

	assert.Empty(t, LinkedVersion("example.com/not-linked", fn), "fn is of another module")
	assert.Empty(t, LinkedVersion("example.com/not-linked", nil))
	assert.Empty(t, LinkedVersion(path, TestDownload), "a function of this module, not of path")
	_, err = Download(ctx, "example.com/not-a-dependency", "")
	assert.ErrorContains(t, err, "go mod download -json example.com/not-a-dependency")
}

func TestEscapePath(t *testing.T) {
	assert.Equal(t, "github.com/!burnt!sushi/toml", escapePath("github.com/BurntSushi/toml"))
	assert.Equal(t, "sigs.k8s.io/yaml", escapePath("sigs.k8s.io/yaml"))
}
