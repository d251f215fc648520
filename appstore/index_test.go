package appstore_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/spherekit/spherekit/appstore"
	applicationv2 "github.com/spherekit/spherekit/appstore/api/application/v2"
)

func TestParseIndex(t *testing.T) {
	data, err := os.ReadFile("testdata/index.yaml")
	require.NoError(t, err)
	idx, err := appstore.ParseIndex(data)
	require.NoError(t, err)

	assert.Equal(t, "v1", idx.APIVersion)
	require.Len(t, idx.Entries, 2)
	nginx := idx.Entries["nginx"]
	require.Len(t, nginx, 5, "duplicates are kept by ParseIndex; RepoObjects removes them")
	first := nginx[0]
	assert.Equal(t, "nginx", first.Name)
	assert.Equal(t, "1.2.0", first.Version)
	assert.Equal(t, "1.27.0", first.AppVersion)
	assert.Equal(t, "https://nginx.org", first.Home)
	assert.Equal(t, []string{"nginx-1.2.0.tgz"}, first.URLs)
	assert.Equal(t, []appstore.Maintainer{{Name: "Alice", Email: "alice@example.com", URL: "https://example.com/alice"}, {Name: "Bob"}}, first.Maintainers)
	assert.Equal(t, 123456789, first.Created.Nanosecond())
	assert.False(t, first.Deprecated)
	assert.True(t, nginx[4].Deprecated)
	assert.Equal(t, "v0.3.0+build.7", idx.Entries["Redis-Cluster-Operator"][0].Version)
}

func TestParseIndexRefusesMalformed(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		wantField string
	}{
		{"not yaml", "apiVersion: v1\nentries: [", "index.yaml"},
		{"a list", "- a\n- b\n", "index.yaml"},
		{"entries not a map", "apiVersion: v1\nentries: [a]\n", "entries"},
		{"version not a string", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0, urls: [a.tgz]}\n", "entries.version"},
		{"created not a string", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, urls: [a.tgz], created: 5}\n", "entries.created"},
		{"no apiVersion", "entries: {}\n", "apiVersion"},
		{"empty", "", "apiVersion"},
		{"empty entry", "apiVersion: v1\nentries:\n  a:\n  - null\n", "entries.a[0]"},
		{"no name", "apiVersion: v1\nentries:\n  a:\n  - {version: 1.0.0, urls: [a.tgz]}\n", "entries.a[0].name"},
		{"no version", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, urls: [a.tgz]}\n  - {name: a, urls: [a.tgz]}\n", "entries.a[1].version"},
		{"no urls", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0}\n", "entries.a[0].urls"},
		{"empty url", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, urls: ['']}\n", "entries.a[0].urls"},
		{"bad created", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, urls: [a.tgz], created: yesterday}\n", "entries.a[0].created"},
		{"empty chart name", "apiVersion: v1\nentries:\n  '':\n  - {name: a, version: 1.0.0, urls: [a.tgz]}\n", "entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, err := appstore.ParseIndex([]byte(tt.data))
			assert.Nil(t, idx)
			var invalid *appstore.InvalidError
			require.True(t, errors.As(err, &invalid), "want *InvalidError, got %v", err)
			assert.Equal(t, tt.wantField, invalid.Field)
			assert.NotEmpty(t, invalid.Reason)
		})
	}
}

func TestParseIndexKeepsNonSemanticVersions(t *testing.T) {
	idx, err := appstore.ParseIndex([]byte("apiVersion: v1\nentries:\n  a:\n  - {name: a, version: latest, urls: [a.tgz]}\n  - {name: a, version: '1.0', urls: [b.tgz]}\n"))
	require.NoError(t, err)
	_, versions := appstore.RepoObjects(testRepo(), idx)
	require.Len(t, versions, 2)
	names := []string{versions[0].Spec.VersionName, versions[1].Spec.VersionName}
	assert.ElementsMatch(t, []string{"latest", "1.0"}, names)
}

func FuzzParseIndex(f *testing.F) {
	seed, err := os.ReadFile("testdata/index.yaml")
	require.NoError(f, err)
	f.Add(seed)
	f.Add([]byte("apiVersion: v1\nentries: {}\n"))
	f.Add([]byte("apiVersion: v1\nentries:\n  A_b:\n  - {name: x, version: V1+2, urls: ['../x.tgz'], created: '2020-01-01T00:00:00Z'}\n  - {name: x, version: V1+2, urls: ['%zz'], maintainers: [null, {name: m}]}\n"))
	f.Add([]byte("apiVersion: v1\nentries:\n  a:\n  - null\n"))
	f.Add([]byte("apiVersion: v1\nentries:\n  nginx: []\n  Nginx:\n  - {name: n, version: 1.0.0, urls: [n.tgz]}\n  NGINX:\n  - {name: n, version: 2.0.0, urls: [n.tgz]}\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := appstore.ParseIndex(data)
		if err != nil {
			var invalid *appstore.InvalidError
			require.True(t, errors.As(err, &invalid), "want *InvalidError, got %T %v", err, err)
			require.NotEmpty(t, invalid.Field)
			return
		}
		apps, versions := appstore.RepoObjects(testRepo(), idx)
		appNames := map[string]bool{}
		for _, a := range apps {
			require.False(t, appNames[a.Name], "duplicate application %q", a.Name)
			appNames[a.Name] = true
			require.Empty(t, validation.IsDNS1123Subdomain(a.Name), "application name %q", a.Name)
		}
		versionNames := map[string]bool{}
		for _, v := range versions {
			require.False(t, versionNames[v.Name], "duplicate version %q", v.Name)
			versionNames[v.Name] = true
			appID := v.Labels[applicationv2.AppIDLabel]
			require.True(t, appNames[appID], "version %q of unknown app %q", v.Name, appID)
			require.True(t, strings.HasPrefix(v.Name, appID+"-"))
			require.NotEmpty(t, v.Spec.PullURL)
		}
	})
}

func TestParseIndexUnquotedTime(t *testing.T) {
	idx, err := appstore.ParseIndex([]byte("apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, urls: [a.tgz], created: 2026-01-02T03:04:05Z}\n"))
	require.NoError(t, err)
	assert.Equal(t, 2026, idx.Entries["a"][0].Created.Year())
}
