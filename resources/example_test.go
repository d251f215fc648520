package resources_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/spherekit/spherekit/resources"
)

func ExampleParseQuery() {
	v, _ := url.ParseQuery("page=2&limit=10&sortBy=name&ascending=true&status=running&label=app%3Dweb&nodeName=node-a&unknown=1")
	q, err := resources.ParseQuery(v)
	if err != nil {
		panic(err)
	}
	fmt.Println(q.Page, q.Limit, q.SortBy, q.Ascending, q.Status, q.Label, q.Filters)

	// KubeSphere's limit=-1 is "no paging": every item, whatever the page.
	q, _ = resources.ParseQuery(url.Values{"limit": {"-1"}, "page": {"3"}})
	fmt.Println(q.Limit)

	_, err = resources.ParseQuery(url.Values{"limit": {"-2"}})
	fmt.Println(err)
	// Output:
	// 2 10 name true running app=web map[nodeName:node-a]
	// 0
	// invalid limit: must be -1 (no paging) or a whole number of at least 0
}

func ExampleParseFieldSelector() {
	fs, err := resources.ParseFieldSelector("spec.containers[*].image=~NGINX,spec.nodeName!=node-b")
	if err != nil {
		panic(err)
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
	ok, _ := fs.Matches(pod)
	fmt.Println(ok)

	// A key with dots, such as an annotation's, escapes them.
	fs, _ = resources.ParseFieldSelector(`metadata.annotations.example\.com/owner=team-a`)
	pod.Annotations = map[string]string{"example.com/owner": "team-a"}
	ok, _ = fs.Matches(pod)
	fmt.Println(ok)
	// Output:
	// true
	// true
}

func ExamplePodStatus() {
	pod := &corev1.Pod{Status: corev1.PodStatus{
		Phase: corev1.PodRunning,
		ContainerStatuses: []corev1.ContainerStatus{{
			Name:  "web",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		}},
	}}
	fmt.Println(resources.PodStatus(pod))
	// Output: CrashLoopBackOff
}

func ExampleStripForCache() {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Annotations:   map[string]string{corev1.LastAppliedConfigAnnotation: `{"apiVersion":"v1"}`, "team": "shop"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	_, _ = resources.StripForCache(cm)
	fmt.Println(cm.Annotations, len(cm.ManagedFields))
	// Output: map[team:shop] 0
}

// ExampleList lists the second page of running Deployments in a namespace
// from a manager's cache, which drops managed fields and last-applied
// annotations before storing objects.
func ExampleList() {
	ctx := context.Background()
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Cache: cache.Options{DefaultTransform: resources.StripForCache},
	})
	if err != nil {
		panic(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	mgr.GetCache().WaitForCacheSync(ctx)

	var deploys appsv1.DeploymentList
	total, err := resources.List(ctx, mgr.GetCache(), &deploys, resources.Query{
		Namespace: "shop",
		Status:    resources.StatusRunning,
		SortBy:    resources.SortByName,
		Page:      2,
		Limit:     10,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d of %d\n", len(deploys.Items), total)
}

// ExampleNewHandler serves the KubeSphere resources API from a manager's
// cache, asking an authorizer of the host's about every read, Secrets left
// out so the cache never holds them.
func ExampleNewHandler() {
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Cache: cache.Options{DefaultTransform: resources.StripForCache},
	})
	if err != nil {
		panic(err)
	}
	h, err := resources.NewHandler(resources.HandlerOptions{
		Reader: mgr.GetCache(),
		Mapper: mgr.GetRESTMapper(),
		Scheme: mgr.GetScheme(),
		Authorizer: resources.AuthorizerFunc(func(ctx context.Context, r *http.Request, a resources.ResourceAttributes) error {
			// Ask RBAC (a SubjectAccessReview, or an in-process authorizer)
			// whether the request's user may a.Verb a.APIGroup/a.Resource.
			// This is also asked about the Services and ReplicaSets the
			// serviceName and ownerKind filters read.
			return nil
		}),
		Resources: slices.DeleteFunc(resources.DefaultResources(), func(gr schema.GroupResource) bool {
			return gr == schema.GroupResource{Resource: "secrets"}
		}),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle(resources.PathPrefix, h)
	_ = http.ListenAndServe(":9090", mux)
}

// The handler serves KubeSphere's set unless told otherwise; a host
// changes a copy of it.
func ExampleDefaultResources() {
	served := resources.DefaultResources()
	fmt.Println(len(served), served[:3], served[9:12])
	withoutSecrets := slices.DeleteFunc(served, func(gr schema.GroupResource) bool {
		return gr == schema.GroupResource{Resource: "secrets"}
	})
	fmt.Println(len(withoutSecrets), len(resources.DefaultResources()))
	// Output:
	// 37 [configmaps secrets pods] [deployments.apps daemonsets.apps statefulsets.apps]
	// 36 37
}
