package tenancy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"text/template"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy/authz"
)

// The tests in this file write objects exactly as KubeSphere 4.x (its
// controllers, its API or its chart) writes them, from the YAML under
// testdata/kubesphere (each file names the KubeSphere source showing the
// shape), and check that spherekit's Client and controllers handle them.

// renderFixture renders testdata/kubesphere/file with vars.
func renderFixture(t *testing.T, file string, vars map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "kubesphere", file))
	require.NoError(t, err)
	tpl, err := template.New(file).Option("missingkey=error").Parse(string(raw))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, tpl.Execute(&out, vars))
	return out.Bytes()
}

// fixture returns the objects of testdata/kubesphere/file rendered with
// vars, as written there.
func fixture(t *testing.T, file string, vars map[string]string) []*unstructured.Unstructured {
	t.Helper()
	docs := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(renderFixture(t, file, vars)), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		err := docs.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err, "decode %s", file)
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// createFixture creates the objects of testdata/kubesphere/file rendered
// with vars and deletes them when the test ends.
func createFixture(t *testing.T, file string, vars map[string]string) []*unstructured.Unstructured {
	t.Helper()
	objs := fixture(t, file, vars)
	for _, o := range objs {
		require.NoError(t, env.Client.Create(context.Background(), o), "create %s %s", o.GetKind(), o.GetName())
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), o) })
	}
	return objs
}

// apiServerAllows asks the API server (native RBAC) whether user, in
// groups, may verb resource (core group) in namespace ns ("" for the
// cluster).
func apiServerAllows(t *testing.T, user string, groups []string, verb, resource, ns string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               user,
		Groups:             groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Resource: resource},
	}}
	require.NoError(t, env.Client.Create(context.Background(), sar))
	return sar.Status.Allowed
}

// TestKubeSphereBindingsGrant: global, workspace and project bindings with
// User and Group subjects in iam.kubesphere.io, as KubeSphere writes them,
// are mirrored into native RBAC (where the subjects' group must be
// rbac.authorization.k8s.io), so the API server grants what they say, and
// the authorizer reads them as users and groups too.
func TestKubeSphereBindingsGrant(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	p := newProject(t, ws, "")
	vars := map[string]string{"Name": name("ksb"), "User": name("ksu"), "Group": name("ksg"), "Workspace": ws, "Project": p}
	objs := createFixture(t, "member-bindings.yaml", vars)
	user, group := vars["User"], vars["Group"]

	checks := []struct {
		what     string
		user     string
		groups   []string
		verb     string
		resource string
		ns       string
	}{
		{"global role binding, User subject", user, nil, "get", "nodes", ""},
		{"workspace role binding mirrored into the project, User subject", user, nil, "list", "configmaps", p},
		{"workspace role binding mirrored into the project, Group subject", name("other"), []string{group}, "list", "configmaps", p},
		{"project role binding, User subject", user, nil, "get", "secrets", p},
	}
	for _, c := range checks {
		eventually(t, func() bool { return apiServerAllows(t, c.user, c.groups, c.verb, c.resource, c.ns) },
			"the API server allows %s (%s %s in %q)", c.what, c.verb, c.resource, c.ns)
	}
	assert.False(t, apiServerAllows(t, name("nobody"), nil, "get", "secrets", p), "a stranger is not allowed")

	// The mirrors name their subjects in the native group.
	var mirrors rbacv1.RoleBindingList
	require.NoError(t, env.Client.List(ctx, &mirrors, client.InNamespace(p)))
	found := 0
	for _, m := range mirrors.Items {
		for _, s := range m.Subjects {
			if s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind {
				found++
				assert.Equal(t, rbacv1.GroupName, s.APIGroup, "native binding %s subject %s", m.Name, s.Name)
			}
		}
	}
	assert.GreaterOrEqual(t, found, 3, "mirrored project bindings with User or Group subjects")

	// The authorizer reads the same objects (offline) as users and groups.
	var in []byte
	for _, o := range objs {
		b, err := o.MarshalJSON()
		require.NoError(t, err)
		in = append(append(in, b...), '\n')
	}
	decoded, err := authz.DecodeObjects(bytes.NewReader(in))
	require.NoError(t, err)
	nsObj := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, nsObj))
	nsObj.APIVersion, nsObj.Kind = "v1", "Namespace"
	az, err := authz.NewFromObjects(append(decoded, nsObj)...)
	require.NoError(t, err)
	for _, c := range checks {
		a := authz.Attributes{User: authz.User{Name: c.user, Groups: c.groups}, Verb: c.verb, Resource: c.resource, Namespace: c.ns}
		d, err := az.Authorize(ctx, a)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "the authorizer allows %s", c.what)
	}
}
