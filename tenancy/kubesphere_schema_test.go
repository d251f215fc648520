package tenancy_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/spherekit/spherekit/tenancy"
)

// TestWrittenObjectsValidateAgainstKubeSpheresSchema runs every kind of
// Client write, lets the controllers derive what they derive, and then
// validates every object of every iam, tenant and quota kind in the
// cluster, read at every version KubeSphere serves, against KubeSphere
// v4.1.3's own schema for that version (crds/testdata/kubesphere-v4.1.3):
// what spherekit writes is what a KubeSphere cluster accepts.
func TestWrittenObjectsValidateAgainstKubeSpheresSchema(t *testing.T) {
	ctx := context.Background()
	manager, member := newUser(t, "ks-manager"), newUser(t, "ks-member")
	require.NoError(t, tc.SetPassword(ctx, member, "Passw0rdSchema", tenancy.SetPasswordOptions{}))
	_, err := tc.RecordLogin(ctx, member, tenancy.RecordLoginOptions{SourceIP: "10.0.0.1"})
	require.NoError(t, err)
	_, err = tc.RecordLogin(ctx, member, tenancy.RecordLoginOptions{Failed: true, Reason: "wrong password"})
	require.NoError(t, err)
	require.NoError(t, tc.DisableUser(ctx, member))
	require.NoError(t, tc.EnableUser(ctx, member))
	ws := newWorkspace(t, manager)
	project := newProject(t, ws, manager)
	require.NoError(t, tc.AddMember(ctx, tenancy.Platform(), member, "platform-regular"))
	t.Cleanup(func() { _ = tc.RemoveMember(context.Background(), tenancy.Platform(), member) })
	require.NoError(t, tc.AddMember(ctx, tenancy.Workspace(ws), member, "viewer"))
	require.NoError(t, tc.AddMember(ctx, tenancy.Project(project), member, "operator"))
	group, err := tc.CreateGroup(ctx, ws, name("ks-group"), tenancy.CreateGroupOptions{AliasName: "Team"})
	require.NoError(t, err)
	require.NoError(t, tc.AddGroupMembers(ctx, group.Name, member))
	_, err = tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"count/secrets": resource.MustParse("100")})
	require.NoError(t, err)
	eventually(t, func() bool {
		members, err := tc.ListMembers(ctx, tenancy.Project(project))
		return err == nil && len(members) >= 2
	}, "project members bound")

	files, err := filepath.Glob("../crds/testdata/kubesphere-v4.1.3/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	checked := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		crd := &apiextensionsv1.CustomResourceDefinition{}
		require.NoError(t, yaml.UnmarshalStrict(data, crd), f)
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			validator := kubesphereValidator(t, v.Schema.OpenAPIV3Schema)
			list := &unstructured.UnstructuredList{}
			list.SetAPIVersion(crd.Spec.Group + "/" + v.Name)
			list.SetKind(crd.Spec.Names.ListKind)
			require.NoError(t, env.Client.List(ctx, list), "list %s at %s", crd.Spec.Names.Plural, v.Name)
			for _, item := range list.Items {
				errs := validation.ValidateCustomResource(field.NewPath(""), item.Object, validator)
				assert.Empty(t, errs, "%s %s/%s at %s", crd.Spec.Names.Kind, item.GetNamespace(), item.GetName(), v.Name)
				checked[crd.Spec.Names.Kind+"/"+v.Name]++
			}
		}
	}
	// Every kind the scenario writes was seen, at each version.
	for _, kv := range []string{
		"User/v1beta1", "User/v1alpha2", "LoginRecord/v1beta1", "LoginRecord/v1alpha2",
		"GlobalRole/v1beta1", "GlobalRole/v1alpha2", "GlobalRoleBinding/v1beta1",
		"WorkspaceTemplate/v1beta1", "WorkspaceTemplate/v1alpha2", "Workspace/v1beta1", "Workspace/v1alpha1",
		"WorkspaceRole/v1beta1", "WorkspaceRole/v1alpha2", "WorkspaceRoleBinding/v1beta1", "WorkspaceRoleBinding/v1alpha2",
		"Role/v1beta1", "RoleBinding/v1beta1", "RoleTemplate/v1beta1", "BuiltinRole/v1beta1",
		"Group/v1beta1", "GroupBinding/v1beta1", "ResourceQuota/v1alpha2",
	} {
		assert.Positive(t, checked[kv], "no %s object was validated", kv)
	}
}

// kubesphereValidator builds the API server's own validator for a schema.
func kubesphereValidator(t *testing.T, schema *apiextensionsv1.JSONSchemaProps) validation.SchemaValidator {
	t.Helper()
	internal := &apiextensions.JSONSchemaProps{}
	require.NoError(t, apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(schema, internal, nil))
	v, _, err := validation.NewSchemaValidator(internal)
	require.NoError(t, err)
	return v
}
