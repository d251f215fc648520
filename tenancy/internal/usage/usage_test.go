package usage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func rl(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func container(req, lim corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
}

// equalLists compares resource lists by value, not by the quantities'
// internal form.
func equalLists(t *testing.T, want, got corev1.ResourceList) {
	t.Helper()
	norm := func(l corev1.ResourceList) map[string]string {
		m := map[string]string{}
		for k, v := range l {
			m[string(k)] = v.String()
		}
		return m
	}
	if d := cmp.Diff(norm(want), norm(got)); d != "" {
		t.Errorf("usage (-want +got):\n%s", d)
	}
}

func TestPodSpec(t *testing.T) {
	tests := []struct {
		name string
		spec corev1.PodSpec
		want corev1.ResourceList
	}{
		{
			name: "containers add up",
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container(rl("cpu", "100m", "memory", "64Mi"), rl("cpu", "200m")),
				container(rl("cpu", "300m"), rl("cpu", "1")),
			}},
			want: rl("pods", "1", "count/pods", "1", "requests.cpu", "400m", "cpu", "400m", "requests.memory", "64Mi", "memory", "64Mi", "limits.cpu", "1200m"),
		},
		{
			name: "a larger init container wins",
			spec: corev1.PodSpec{
				Containers:     []corev1.Container{container(rl("cpu", "100m"), nil)},
				InitContainers: []corev1.Container{container(rl("cpu", "2"), nil)},
			},
			want: rl("pods", "1", "count/pods", "1", "requests.cpu", "2", "cpu", "2"),
		},
		{
			name: "overhead is added",
			spec: corev1.PodSpec{
				Containers: []corev1.Container{container(rl("memory", "100Mi"), rl("memory", "100Mi"))},
				Overhead:   rl("memory", "20Mi"),
			},
			want: rl("pods", "1", "count/pods", "1", "requests.memory", "120Mi", "memory", "120Mi", "limits.memory", "120Mi"),
		},
		{
			name: "extended resources count by their requests",
			spec: corev1.PodSpec{
				Containers: []corev1.Container{
					container(rl("nvidia.com/gpu", "1", "cpu", "1"), rl("nvidia.com/gpu", "1")),
					container(rl("nvidia.com/gpu", "2"), rl("nvidia.com/gpu", "2")),
				},
				InitContainers: []corev1.Container{container(rl("nvidia.com/gpu", "1"), rl("nvidia.com/gpu", "1"))},
			},
			want: rl("pods", "1", "count/pods", "1", "requests.cpu", "1", "cpu", "1", "requests.nvidia.com/gpu", "3"),
		},
		{
			name: "a device class's implicit extended resource",
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container(rl("deviceclass.resource.kubernetes.io/gpu.example.com", "2"), rl("deviceclass.resource.kubernetes.io/gpu.example.com", "2")),
			}},
			want: rl("pods", "1", "count/pods", "1", "requests.deviceclass.resource.kubernetes.io/gpu.example.com", "2"),
		},
		{
			name: "huge pages",
			spec: corev1.PodSpec{Containers: []corev1.Container{
				container(rl("hugepages-2Mi", "64Mi", "memory", "128Mi"), rl("hugepages-2Mi", "64Mi", "memory", "128Mi")),
			}},
			want: rl("pods", "1", "count/pods", "1", "requests.memory", "128Mi", "memory", "128Mi", "limits.memory", "128Mi",
				"hugepages-2Mi", "64Mi", "requests.hugepages-2Mi", "64Mi"),
		},
		{
			name: "native names with a domain are not extended",
			spec: corev1.PodSpec{Containers: []corev1.Container{container(rl("example.kubernetes.io/thing", "1"), nil)}},
			want: rl("pods", "1", "count/pods", "1"),
		},
		{
			name: "nothing requested counts the pod only",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}},
			want: rl("pods", "1", "count/pods", "1"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			equalLists(t, tt.want, PodSpec(&tt.spec))
		})
	}
}

func TestTerminalPodsCountNothing(t *testing.T) {
	for _, phase := range []corev1.PodPhase{corev1.PodSucceeded, corev1.PodFailed} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{container(rl("cpu", "1"), nil)}}}
		pod.Status.Phase = phase
		if got := Pod(pod); len(got) != 0 {
			t.Errorf("%s pod counts %v", phase, got)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	ranges := []corev1.LimitRange{{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:           corev1.LimitTypeContainer,
		Default:        rl("cpu", "500m", "memory", "256Mi"),
		DefaultRequest: rl("cpu", "100m"),
	}}}}}
	spec := &corev1.PodSpec{Containers: []corev1.Container{
		{Name: "bare"},
		container(rl("cpu", "1"), rl("cpu", "2")),
	}}
	got := WithDefaults(spec, ranges)
	equalLists(t, rl("cpu", "100m", "memory", "256Mi"), got.Containers[0].Resources.Requests)
	equalLists(t, rl("cpu", "500m", "memory", "256Mi"), got.Containers[0].Resources.Limits)
	equalLists(t, rl("cpu", "1", "memory", "256Mi"), got.Containers[1].Resources.Requests)
	equalLists(t, rl("cpu", "2", "memory", "256Mi"), got.Containers[1].Resources.Limits)
	if len(spec.Containers[0].Resources.Requests) != 0 {
		t.Error("WithDefaults changed its input")
	}
}

func TestCountedResource(t *testing.T) {
	tests := []struct {
		name string
		gr   schema.GroupResource
		ok   bool
	}{
		{"count/deployments.apps", schema.GroupResource{Group: "apps", Resource: "deployments"}, true},
		{"count/secrets", schema.GroupResource{Resource: "secrets"}, true},
		{"services", schema.GroupResource{Resource: "services"}, true},
		{"requests.cpu", schema.GroupResource{}, false},
		{"count/", schema.GroupResource{}, false},
	}
	for _, tt := range tests {
		gr, ok := CountedResource(corev1.ResourceName(tt.name))
		if ok != tt.ok || gr != tt.gr {
			t.Errorf("CountedResource(%q) = %v, %v; want %v, %v", tt.name, gr, ok, tt.gr, tt.ok)
		}
	}
}

// FuzzCountedResource checks that any quota name is classified without
// panicking, and a counted resource has a resource name.
func FuzzCountedResource(f *testing.F) {
	for _, s := range []string{"count/pods", "count/x.y.z", "count/", "cpu", "", "count/.apps"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gr, ok := CountedResource(corev1.ResourceName(s))
		if ok && gr.Resource == "" {
			t.Fatalf("CountedResource(%q) counted an empty resource", s)
		}
	})
}

func TestCreated(t *testing.T) {
	tests := []struct {
		name string
		gr   schema.GroupResource
		raw  string
		want corev1.ResourceList
	}{
		{"pod", schema.GroupResource{Resource: "pods"}, `{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"250m"}}}]}}`,
			rl("pods", "1", "count/pods", "1", "requests.cpu", "250m", "cpu", "250m")},
		{"claim", schema.GroupResource{Resource: "persistentvolumeclaims"}, `{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}`,
			rl("persistentvolumeclaims", "1", "count/persistentvolumeclaims", "1", "requests.storage", "5Gi")},
		{"secret, legacy name too", schema.GroupResource{Resource: "secrets"}, `{}`, rl("secrets", "1", "count/secrets", "1")},
		{"grouped resource", schema.GroupResource{Group: "apps", Resource: "deployments"}, `{}`, rl("count/deployments.apps", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Created(tt.gr, []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			equalLists(t, tt.want, got)
		})
	}
	if _, err := Created(schema.GroupResource{Resource: "pods"}, []byte("not json")); err == nil {
		t.Error("a pod that does not decode is an error")
	}
}

// FuzzCreated feeds quota admission's object decoder arbitrary objects of
// each counted kind: it must not panic, and what it counts must be
// non-negative (a negative request would let a create free quota).
func FuzzCreated(f *testing.F) {
	f.Add("", "pods", []byte(`{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"250m"}}}]}}`))
	f.Add("", "pods", []byte(`{"spec":{"containers":[{"resources":{"requests":{"cpu":"-1"}}}]}}`))
	f.Add("", "persistentvolumeclaims", []byte(`{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}`))
	f.Add("apps", "deployments", []byte(`{}`))
	f.Add("", "services", []byte(`{"spec":{"type":"LoadBalancer"}}`))
	f.Add("", "pods", []byte(`{`))
	f.Fuzz(func(t *testing.T, group, resource string, raw []byte) {
		got, err := Created(schema.GroupResource{Group: group, Resource: resource}, raw)
		if err != nil {
			return
		}
		for name, q := range got {
			if q.Sign() < 0 {
				t.Fatalf("%s counts %s=%s from %s", resource, name, q.String(), raw)
			}
		}
	})
}
