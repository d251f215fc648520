package appstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/appstore"
	applicationv2 "github.com/spherekit/spherekit/appstore/api/application/v2"
)

const exampleIndex = `apiVersion: v1
entries:
  nginx:
  - name: nginx
    version: 1.1.0
    created: "2026-02-01T00:00:00Z"
    urls: [nginx-1.1.0.tgz]
  - name: nginx
    version: 1.0.0
    created: "2026-01-01T00:00:00Z"
    urls: [https://mirror.example.com/nginx-1.0.0.tgz]
`

func ExampleRepoObjects() {
	idx, err := appstore.ParseIndex([]byte(exampleIndex))
	if err != nil {
		fmt.Println(err)
		return
	}
	repo := &applicationv2.Repo{
		ObjectMeta: metav1.ObjectMeta{Name: "main"},
		Spec:       applicationv2.RepoSpec{URL: "https://charts.example.com"},
	}
	apps, versions := appstore.RepoObjects(repo, idx)
	for _, app := range apps {
		fmt.Println(app.Name, "latest", app.Annotations[applicationv2.LatestAppVersionAnnotation])
	}
	for _, v := range versions {
		fmt.Println(v.Name, v.Spec.PullURL)
	}
	// Output:
	// main-nginx latest 1.1.0
	// main-nginx-1.1.0 https://charts.example.com/nginx-1.1.0.tgz
	// main-nginx-1.0.0 https://mirror.example.com/nginx-1.0.0.tgz
}

func ExampleParseIndex() {
	_, err := appstore.ParseIndex([]byte("apiVersion: v1\nentries:\n  nginx:\n  - {name: nginx, version: 1.0.0}\n"))
	fmt.Println(err)
	// Output:
	// invalid entries.nginx[0].urls: a chart URL is required
}

func ExampleFetchIndex() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "alice" || p != "s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(exampleIndex))
	}))
	defer srv.Close()

	idx, err := appstore.FetchIndex(context.Background(), srv.URL, appstore.FetchOptions{Username: "alice", Password: "s3cret"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(idx.Entries["nginx"]), "versions of nginx")

	_, err = appstore.FetchIndex(context.Background(), srv.URL, appstore.FetchOptions{})
	fmt.Println(err != nil)
	// Output:
	// 2 versions of nginx
	// true
}
