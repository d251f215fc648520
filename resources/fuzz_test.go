package resources_test

import (
	"errors"
	"net/url"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/resources"
)

// FuzzParseQuery checks that any query string parses to a Query or an
// *InvalidError, never panics, and that what parses yields a usable
// selector.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"page=2&limit=10&sortBy=name&ascending=true",
		"labelSelector=app%20in%20(a,b)&fieldSelector=spec.containers[*].image%3D~nginx",
		"names=a,b&label=app!%3Dweb&annotation=x&status=running&nodeName=n",
		"page=x", "limit=-1", "limit=-1&page=7", "limit=-2", "fieldSelector=a[1%3Dx", "labelSelector=%3D%3D",
		"fieldSelector=metadata.annotations.example%5C.com/key%3Dv", "fieldSelector=a%3Db%5C,c,,d!%3D%5C%5C",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := resources.ParseQuery(v)
		if err != nil {
			var invalid *resources.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("ParseQuery(%q) = %v, not an *InvalidError", raw, err)
			}
			return
		}
		if q.Page < 0 || q.Limit < 0 {
			t.Fatalf("ParseQuery(%q) accepted page %d limit %d", raw, q.Page, q.Limit)
		}
		if q.LabelSelector != nil {
			_ = q.LabelSelector.String()
		}
		_, _ = q.FieldSelector.Matches(fuzzPod)
	})
}

var fuzzPod = &corev1.Pod{
	ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", Labels: map[string]string{"app": "web", "a.b": "c"},
		Annotations: map[string]string{"example.com/key": "v"}},
	Spec: corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{
		{Name: "a", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 443}}},
		{Name: "b", Image: "envoy", Args: []string{"x", "y", "z"}},
	}},
	Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
}

// FuzzFieldSelector parses arbitrary selectors and evaluates those that
// parse on a pod, checking that parsing fails only with *InvalidError and
// that evaluating the typed object and its map agree.
func FuzzFieldSelector(f *testing.F) {
	for _, s := range []string{
		"metadata.name=web-1", "spec.containers[*].ports[*].containerPort!=80",
		"metadata.labels.a.b=~C", "status.conditions[0].type=Ready,spec.nodeName=n",
		"a[*][*][*][*].b=", "metadata.name", "x[1", "=", ",,",
		`metadata.annotations.example\.com/key=v`, `metadata.labels.a\.b=c\,d\=e\\`, `a\.[0]=x`, `a\b=c`, `a=b\`,
	} {
		f.Add(s)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fuzzPod)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := resources.ParseFieldSelector(s)
		if err != nil {
			var invalid *resources.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("ParseFieldSelector(%q) = %v, not an *InvalidError", s, err)
			}
			return
		}
		got, err := fs.Matches(fuzzPod)
		if err != nil {
			t.Fatalf("Matches: %v", err)
		}
		if byMap := fs.MatchesMap(m); byMap != got {
			t.Fatalf("%q: Matches = %v, MatchesMap = %v", s, got, byMap)
		}
		if fs.String() != s {
			t.Fatalf("String() = %q, want %q", fs.String(), s)
		}
	})
}
