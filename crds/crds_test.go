package crds_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/spherekit/spherekit/crds"
)

func TestAllDecodesEveryCRD(t *testing.T) {
	defs, err := crds.All()
	require.NoError(t, err)
	require.NotEmpty(t, defs)

	byName := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	ws, ok := byName["workspaces.tenant.kubesphere.io"]
	require.True(t, ok, "the Workspace CRD is embedded")
	assert.Equal(t, apiextensionsv1.ClusterScoped, ws.Spec.Scope)
	assert.Equal(t, "Workspace", ws.Spec.Names.Kind)
	require.Len(t, ws.Spec.Versions, 2, "v1alpha1 and v1beta1, as KubeSphere serves them")
	for _, v := range ws.Spec.Versions {
		assert.Nil(t, v.Subresources, "KubeSphere's Workspace has no subresources")
		assert.Equal(t, v.Name == "v1beta1", v.Storage, v.Name)
		assert.True(t, v.Served, v.Name)
	}

	again, err := crds.All()
	require.NoError(t, err)
	again[0].Name = "changed"
	assert.NotEqual(t, "changed", defs[0].Name, "each call returns fresh objects")
}
