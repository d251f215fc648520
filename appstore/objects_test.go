package appstore_test

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/appstore"
	applicationv2 "github.com/spherekit/spherekit/appstore/api/application/v2"
)

func testRepo() *applicationv2.Repo {
	return &applicationv2.Repo{
		ObjectMeta: metav1.ObjectMeta{
			Name:   "main",
			UID:    "uid-1",
			Labels: map[string]string{"kubesphere.io/workspace": "ws1"},
		},
		Spec: applicationv2.RepoSpec{URL: "https://charts.example.com/stable"},
	}
}

func mustTime(t *testing.T, s string) *metav1.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return &metav1.Time{Time: tm}
}

func TestRepoObjects(t *testing.T) {
	data, err := os.ReadFile("testdata/index.yaml")
	require.NoError(t, err)
	idx, err := appstore.ParseIndex(data)
	require.NoError(t, err)

	apps, versions := appstore.RepoObjects(testRepo(), idx)

	appMeta := metav1.TypeMeta{APIVersion: "application.kubesphere.io/v2", Kind: "Application"}
	verMeta := metav1.TypeMeta{APIVersion: "application.kubesphere.io/v2", Kind: "ApplicationVersion"}
	owner := []metav1.OwnerReference{{APIVersion: "application.kubesphere.io/v2", Kind: "Repo", Name: "main", UID: "uid-1"}}
	appLabels := map[string]string{
		"application.kubesphere.io/repo-name":         "main",
		"application.kubesphere.io/app-type":          "helm",
		"application.kubesphere.io/hascrd":            "",
		"application.kubesphere.io/app-category-name": "kubesphere-app-uncategorized",
		"kubesphere.io/workspace":                     "ws1",
	}
	verLabels := func(appID string) map[string]string {
		return map[string]string{
			"application.kubesphere.io/repo-name": "main",
			"application.kubesphere.io/app-id":    appID,
			"application.kubesphere.io/app-type":  "helm",
			"kubesphere.io/workspace":             "ws1",
		}
	}
	active := applicationv2.ApplicationStatus{State: "active"}
	verActive := applicationv2.ApplicationVersionStatus{State: "active"}
	cleanup := []string{"application.kubesphere.io/cleanup"}

	wantApps := []applicationv2.Application{{
		// 22 characters: the short name is the MD5 sum's first 10 digits.
		TypeMeta: appMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:   "main-e4c00aa52c",
			Labels: appLabels,
			Annotations: map[string]string{
				"kubesphere.io/alias-name":                     "Redis-Cluster-Operator",
				"kubesphere.io/description":                    "Redis cluster operator",
				"application.kubesphere.io/app-originalName":   "Redis-Cluster-Operator",
				"application.kubesphere.io/latest-app-version": "v0.3.0+build.7",
			},
			OwnerReferences: owner,
		},
		Spec:   applicationv2.ApplicationSpec{AppType: "helm", Abstraction: "Redis cluster operator"},
		Status: active,
	}, {
		TypeMeta: appMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:   "main-nginx",
			Labels: appLabels,
			Annotations: map[string]string{
				"kubesphere.io/alias-name":                   "nginx",
				"kubesphere.io/description":                  "NGINX web server, newest",
				"application.kubesphere.io/app-originalName": "nginx",
				"application.kubesphere.io/app-maintainers":  "Alice",
				// Semantic order, not string or creation order.
				"application.kubesphere.io/latest-app-version": "1.10.0-rc.1",
			},
			OwnerReferences: owner,
		},
		Spec: applicationv2.ApplicationSpec{
			AppHome:     "https://nginx.org",
			AppType:     "helm",
			Icon:        "https://example.com/nginx.png",
			Abstraction: "NGINX web server, newest",
		},
		Status: active,
	}}
	wantVersions := []applicationv2.ApplicationVersion{{
		TypeMeta: verMeta,
		ObjectMeta: metav1.ObjectMeta{
			// "+" is not allowed in a name: the version is hashed.
			Name:        "main-e4c00aa52c-10dff180055f",
			Labels:      verLabels("main-e4c00aa52c"),
			Annotations: map[string]string{"kubesphere.io/alias-name": "Redis-Cluster-Operator", "kubesphere.io/description": "Redis cluster operator"},
			Finalizers:  cleanup,
		},
		Spec: applicationv2.ApplicationVersionSpec{
			VersionName: "v0.3.0+build.7",
			Created:     mustTime(t, "2026-01-20T08:30:00+02:00"),
			Digest:      "sha256:r1",
			AppType:     "helm",
			PullURL:     "oci://registry.example.com/charts/redis-cluster-operator:0.3.0",
		},
		Status: verActive,
	}, {
		TypeMeta: verMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:        "main-nginx-1.2.0",
			Labels:      verLabels("main-nginx"),
			Annotations: map[string]string{"kubesphere.io/alias-name": "nginx", "kubesphere.io/description": "NGINX web server, newest", "application.kubesphere.io/app-maintainers": "Alice"},
			Finalizers:  cleanup,
		},
		Spec: applicationv2.ApplicationVersionSpec{
			VersionName: "1.2.0",
			AppHome:     "https://nginx.org",
			Icon:        "https://example.com/nginx.png",
			Created:     mustTime(t, "2026-03-01T10:00:00.123456789Z"),
			Digest:      "sha256:c3",
			AppType:     "helm",
			Maintainer: []applicationv2.Maintainer{
				{Name: "Alice", Email: "alice@example.com", URL: "https://example.com/alice"},
				{Name: "Bob"},
			},
			PullURL: "https://charts.example.com/stable/nginx-1.2.0.tgz",
		},
		Status: verActive,
	}, {
		TypeMeta: verMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:        "main-nginx-1.10.0-rc.1",
			Labels:      verLabels("main-nginx"),
			Annotations: map[string]string{"kubesphere.io/alias-name": "nginx", "kubesphere.io/description": "NGINX web server, release candidate"},
			Finalizers:  cleanup,
		},
		Spec: applicationv2.ApplicationVersionSpec{
			VersionName: "1.10.0-rc.1",
			Created:     mustTime(t, "2026-02-01T10:00:00Z"),
			Digest:      "sha256:c4",
			AppType:     "helm",
			PullURL:     "https://charts.example.com/stable/charts/nginx-1.10.0-rc.1.tgz",
		},
		Status: verActive,
	}, {
		// 1.1.0 is listed twice: the later created entry wins.
		TypeMeta: verMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:        "main-nginx-1.1.0",
			Labels:      verLabels("main-nginx"),
			Annotations: map[string]string{"kubesphere.io/alias-name": "nginx", "kubesphere.io/description": "NGINX web server, republished"},
			Finalizers:  cleanup,
		},
		Spec: applicationv2.ApplicationVersionSpec{
			VersionName: "1.1.0",
			AppHome:     "https://nginx.org",
			Created:     mustTime(t, "2026-01-15T10:00:00Z"),
			Digest:      "sha256:c2b",
			AppType:     "helm",
			PullURL:     "https://mirror.example.net/nginx-1.1.0.tgz",
		},
		Status: verActive,
	}, {
		// Deprecated versions are kept, as KubeSphere keeps them.
		TypeMeta: verMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:        "main-nginx-1.0.0",
			Labels:      verLabels("main-nginx"),
			Annotations: map[string]string{"kubesphere.io/alias-name": "nginx", "kubesphere.io/description": "NGINX web server, old"},
			Finalizers:  cleanup,
		},
		Spec: applicationv2.ApplicationVersionSpec{
			VersionName: "1.0.0",
			Created:     mustTime(t, "2025-12-01T10:00:00Z"),
			Digest:      "sha256:c1",
			AppType:     "helm",
			PullURL:     "https://charts.example.com/stable/nginx-1.0.0.tgz",
		},
		Status: verActive,
	}}
	timeEqual := cmp.Comparer(func(a, b metav1.Time) bool { return a.Equal(&b) })
	assert.Empty(t, cmp.Diff(wantApps, apps, timeEqual), "applications (-want +got)")
	assert.Empty(t, cmp.Diff(wantVersions, versions, timeEqual), "versions (-want +got)")

	// Same input, same output: no map order leaks through.
	for range 20 {
		apps2, versions2 := appstore.RepoObjects(testRepo(), idx)
		require.Empty(t, cmp.Diff(apps, apps2, timeEqual))
		require.Empty(t, cmp.Diff(versions, versions2, timeEqual))
	}
}

func TestRepoObjectsWithoutWorkspace(t *testing.T) {
	idx, err := appstore.ParseIndex([]byte(`apiVersion: v1
entries:
  app:
  - {name: app, version: 1.0.0, urls: [app-1.0.0.tgz]}
  - {name: app, version: 1.0.0, urls: [dup.tgz]}
`))
	require.NoError(t, err)
	repo := testRepo()
	repo.Labels = nil
	apps, versions := appstore.RepoObjects(repo, idx)
	require.Len(t, apps, 1)
	require.Len(t, versions, 1)
	// KubeSphere writes the workspace label empty for a platform repo.
	v, ok := apps[0].Labels["kubesphere.io/workspace"]
	assert.True(t, ok)
	assert.Empty(t, v)
	// Same created time: the first entry wins; no created time, no spec.created.
	assert.Equal(t, "https://charts.example.com/stable/app-1.0.0.tgz", versions[0].Spec.PullURL)
	assert.Nil(t, versions[0].Spec.Created)
	assert.Equal(t, "1.0.0", apps[0].Annotations["application.kubesphere.io/latest-app-version"])
}

func TestAppAndVersionID(t *testing.T) {
	tests := []struct {
		repo, chart, version string
		wantApp, wantVersion string
	}{
		{"main", "nginx", "1.0.0", "main-nginx", "main-nginx-1.0.0"},
		{"main", "NGINX", "1.0.0", "main-nginx", "main-nginx-1.0.0"},
		{"main", "fourteen-chars", "2.0.0", "main-fourteen-chars", "main-fourteen-chars-2.0.0"},
		// 15 characters or not a DNS subdomain: MD5, first 10 hex digits.
		{"main", "fifteen-chars-x", "1.0.0", "main-9840fc9356", "main-9840fc9356-1.0.0"},
		{"main", "my_chart", "1.0.0", "main-af6427b278", "main-af6427b278-1.0.0"},
		// A version that is not a DNS subdomain: SHA-1, first 12 hex digits.
		{"main", "a", "V1", "main-a", "main-a-c14e3dde339a"},
	}
	for _, tt := range tests {
		t.Run(tt.chart+"/"+tt.version, func(t *testing.T) {
			app := appstore.AppID(tt.repo, tt.chart)
			assert.Equal(t, tt.wantApp, app)
			assert.Equal(t, tt.wantVersion, appstore.VersionID(app, tt.version))
		})
	}
}

func TestResolveChartURL(t *testing.T) {
	tests := []struct{ repo, chart, want string }{
		{"https://h/r", "a-1.tgz", "https://h/r/a-1.tgz"},
		{"https://h/r/", "a-1.tgz", "https://h/r/a-1.tgz"},
		{"https://h/r", "charts/a-1.tgz", "https://h/r/charts/a-1.tgz"},
		{"https://h/r", "/other/a-1.tgz", "https://h/other/a-1.tgz"},
		{"https://h/r?token=x", "a-1.tgz", "https://h/r/a-1.tgz?token=x"},
		{"https://h/r", "http://elsewhere/a-1.tgz", "http://elsewhere/a-1.tgz"},
		{"https://h/r", "oci://reg/a:1", "oci://reg/a:1"},
	}
	for _, tt := range tests {
		t.Run(tt.chart, func(t *testing.T) {
			assert.Equal(t, tt.want, appstore.ResolveChartURL(tt.repo, tt.chart))
		})
	}
}
