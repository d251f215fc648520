package crds_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/spherekit/spherekit/crds"
)

// kubesphereReleases holds, per KubeSphere release, its CRDs for the groups
// spherekit implements from that release, without descriptions (see the
// README.md in each folder): the tenancy groups and gateway.kubesphere.io
// from v4.1.3, the network group from v3.4.1 (4.x moved networking into an
// extension with no source) and the alerting group from v3.4.1 (4.x moved
// alerting into an extension too), and the app store group
// application.kubesphere.io from master (v4.1.3 has the same schemas).
var kubesphereReleases = []struct {
	dir   string
	kinds int
}{
	{dir: "testdata/kubesphere-v4.1.3", kinds: 19}, // iam, tenant, quota, gateway
	{dir: "testdata/kubesphere-v3.4.1", kinds: 9},  // network, alerting, storage capabilities
	{dir: "testdata/storageclass-accessor", kinds: 1},
	{dir: "testdata/kube-events", kinds: 1},
	{dir: "testdata/notification-manager", kinds: 5},
	{dir: "testdata/kubesphere-master-application", kinds: 5}, // application
}

// TestSchemasAreKubeSpheres: for every kind KubeSphere has in spherekit's
// groups, spherekit's CRD has the same names, scope, categories, versions
// (served, storage, deprecated), subresources, printer columns and schema,
// descriptions aside; and spherekit has no kind of its own in those groups.
func TestSchemasAreKubeSpheres(t *testing.T) {
	ours, err := crds.All()
	require.NoError(t, err)
	byName := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, c := range ours {
		byName[c.Name] = c
	}
	var theirs []string
	for _, release := range kubesphereReleases {
		files, err := filepath.Glob(filepath.Join(release.dir, "*.yaml"))
		require.NoError(t, err)
		require.Len(t, files, release.kinds, "kinds in %s", release.dir)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			want := &apiextensionsv1.CustomResourceDefinition{}
			require.NoError(t, yaml.UnmarshalStrict(data, want), f)
			theirs = append(theirs, want.Name)
			t.Run(want.Spec.Names.Kind, func(t *testing.T) {
				got, ok := byName[want.Name]
				require.True(t, ok, "spherekit has no CRD %s", want.Name)
				if diff := cmp.Diff(normalize(want.Spec), normalize(got.Spec)); diff != "" {
					t.Errorf("%s differs from KubeSphere's (-kubesphere +spherekit):\n%s", want.Name, diff)
				}
			})
		}
	}
	for name := range byName {
		if strings.HasSuffix(name, ".kubesphere.io") {
			assert.Contains(t, theirs, name, "a CRD KubeSphere does not have in its own group")
		}
	}
}

// normalize drops what does not change what the API server accepts or
// shows (descriptions) and orders what has no order (required lists).
func normalize(spec apiextensionsv1.CustomResourceDefinitionSpec) apiextensionsv1.CustomResourceDefinitionSpec {
	spec = *spec.DeepCopy()
	slices.SortFunc(spec.Versions, func(a, b apiextensionsv1.CustomResourceDefinitionVersion) int { return strings.Compare(a.Name, b.Name) })
	for i := range spec.Versions {
		v := &spec.Versions[i]
		// "subresources: {}" (KubeSphere's capabilities) enables no
		// subresource, as no subresources field does.
		if v.Subresources != nil && v.Subresources.Status == nil && v.Subresources.Scale == nil {
			v.Subresources = nil
		}
		for j := range v.AdditionalPrinterColumns {
			v.AdditionalPrinterColumns[j].Description = ""
		}
		if v.Schema != nil && v.Schema.OpenAPIV3Schema != nil {
			normalizeSchema(v.Schema.OpenAPIV3Schema)
		}
	}
	return spec
}

func normalizeSchema(s *apiextensionsv1.JSONSchemaProps) {
	s.Description = ""
	slices.Sort(s.Required)
	for k, p := range s.Properties {
		normalizeSchema(&p)
		s.Properties[k] = p
	}
	if s.Items != nil && s.Items.Schema != nil {
		normalizeSchema(s.Items.Schema)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		normalizeSchema(s.AdditionalProperties.Schema)
	}
	for i := range s.AnyOf {
		normalizeSchema(&s.AnyOf[i])
	}
}
