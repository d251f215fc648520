package usage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// legacyCounts maps the quota names that count objects without the count/
// prefix to their resource.
var legacyCounts = map[corev1.ResourceName]schema.GroupResource{
	corev1.ResourceServices:               {Resource: "services"},
	corev1.ResourceSecrets:                {Resource: "secrets"},
	corev1.ResourceConfigMaps:             {Resource: "configmaps"},
	corev1.ResourcePersistentVolumeClaims: {Resource: "persistentvolumeclaims"},
	corev1.ResourceReplicationControllers: {Resource: "replicationcontrollers"},
	corev1.ResourceQuotas:                 {Resource: "resourcequotas"},
	corev1.ResourcePods:                   {Resource: "pods"},
}

// CountedResource returns the resource a quota name counts objects of:
// "count/deployments.apps" and "secrets" count objects; "requests.cpu" does
// not.
func CountedResource(name corev1.ResourceName) (schema.GroupResource, bool) {
	if gr, ok := legacyCounts[name]; ok {
		return gr, true
	}
	s, ok := strings.CutPrefix(string(name), "count/")
	if !ok || s == "" {
		return schema.GroupResource{}, false
	}
	gr := schema.ParseGroupResource(s)
	if gr.Resource == "" {
		return schema.GroupResource{}, false
	}
	return gr, true
}

// Pod returns what one pod counts against a quota: requests and limits of
// cpu, memory and ephemeral storage (each the larger of the sum over
// containers and the largest init container, plus the pod overhead), cpu and
// memory as aliases of their requests, and pods and count/pods of 1.
// Terminal pods (Succeeded, Failed) count nothing, as in Kubernetes.
func Pod(pod *corev1.Pod) corev1.ResourceList {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return corev1.ResourceList{}
	}
	return PodSpec(&pod.Spec)
}

// PodSpec is Pod for a pod that is not yet created.
func PodSpec(spec *corev1.PodSpec) corev1.ResourceList {
	req, lim := corev1.ResourceList{}, corev1.ResourceList{}
	for _, c := range spec.Containers {
		addTo(req, c.Resources.Requests)
		addTo(lim, c.Resources.Limits)
	}
	for _, c := range spec.InitContainers {
		maxTo(req, c.Resources.Requests)
		maxTo(lim, c.Resources.Limits)
	}
	addTo(req, spec.Overhead)
	addTo(lim, spec.Overhead)
	out := corev1.ResourceList{
		corev1.ResourcePods: resource.MustParse("1"),
		"count/pods":        resource.MustParse("1"),
	}
	for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if v, ok := req[n]; ok {
			out[corev1.ResourceName("requests."+string(n))] = v.DeepCopy()
			if n != corev1.ResourceEphemeralStorage {
				out[n] = v.DeepCopy()
			}
		}
		if v, ok := lim[n]; ok {
			out[corev1.ResourceName("limits."+string(n))] = v.DeepCopy()
		}
	}
	// Huge pages and extended resources (nvidia.com/gpu) count by their
	// requests only, as requests.<name>; huge pages under their own name
	// too. Kubernetes does not overcommit them, so limits equal requests.
	for n, v := range req {
		switch {
		case strings.HasPrefix(string(n), corev1.ResourceHugePagesPrefix):
			out[n] = v.DeepCopy()
			out[corev1.ResourceName("requests."+string(n))] = v.DeepCopy()
		case IsExtendedResource(n):
			out[corev1.ResourceName("requests."+string(n))] = v.DeepCopy()
		}
	}
	return out
}

// IsExtendedResource tells whether a container resource name is an
// extended resource, such as nvidia.com/gpu, as Kubernetes' quota counts
// them: a name with a domain outside kubernetes.io that stays a qualified
// name behind "requests.", or a device class's implicit extended resource
// (deviceclass.resource.kubernetes.io/<class>).
func IsExtendedResource(n corev1.ResourceName) bool {
	s := string(n)
	if strings.HasPrefix(s, "deviceclass.resource.kubernetes.io/") {
		return true
	}
	if !strings.Contains(s, "/") || strings.Contains(s, "kubernetes.io/") || strings.HasPrefix(s, "requests.") {
		return false
	}
	return len(validation.IsQualifiedName("requests."+s)) == 0
}

// Claim returns what one PersistentVolumeClaim counts: requests.storage,
// persistentvolumeclaims and count/persistentvolumeclaims.
func Claim(pvc *corev1.PersistentVolumeClaim) corev1.ResourceList {
	out := corev1.ResourceList{
		corev1.ResourcePersistentVolumeClaims: resource.MustParse("1"),
		"count/persistentvolumeclaims":        resource.MustParse("1"),
	}
	if v, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		out[corev1.ResourceRequestsStorage] = v.DeepCopy()
	}
	return out
}

// WithDefaults returns spec with the container defaults of the namespace's
// LimitRanges applied to containers that set none, as the API server's
// LimitRanger admission does before quota is charged.
func WithDefaults(spec *corev1.PodSpec, ranges []corev1.LimitRange) *corev1.PodSpec {
	out := spec.DeepCopy()
	for _, lr := range ranges {
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			for _, cs := range [][]corev1.Container{out.Containers, out.InitContainers} {
				for i := range cs {
					r := &cs[i].Resources
					for n, v := range item.Default {
						if _, ok := r.Limits[n]; !ok {
							if r.Limits == nil {
								r.Limits = corev1.ResourceList{}
							}
							r.Limits[n] = v.DeepCopy()
						}
					}
					for n, v := range item.DefaultRequest {
						if _, ok := r.Requests[n]; !ok {
							if r.Requests == nil {
								r.Requests = corev1.ResourceList{}
							}
							r.Requests[n] = v.DeepCopy()
						}
					}
					// A limit without a request makes the request equal to it.
					for n, v := range r.Limits {
						if _, ok := r.Requests[n]; !ok {
							if r.Requests == nil {
								r.Requests = corev1.ResourceList{}
							}
							r.Requests[n] = v.DeepCopy()
						}
					}
				}
			}
		}
	}
	return out
}

// Namespace returns the usage of namespace for the given quota names,
// listing pods, claims and counted objects with r. Names it cannot compute
// (object counts of unknown kinds) are returned in unknown.
func Namespace(ctx context.Context, r client.Reader, mapper interface {
	KindFor(schema.GroupVersionResource) (schema.GroupVersionKind, error)
}, namespace string, names []corev1.ResourceName) (used corev1.ResourceList, unknown []corev1.ResourceName, err error) {
	used = corev1.ResourceList{}
	needPods, needClaims := false, false
	for _, n := range names {
		s := string(n)
		switch {
		case strings.HasPrefix(s, "requests.") && n != corev1.ResourceRequestsStorage, strings.HasPrefix(s, "limits."),
			n == corev1.ResourceCPU, n == corev1.ResourceMemory, n == corev1.ResourcePods, n == "count/pods":
			needPods = true
		case n == corev1.ResourceRequestsStorage:
			needClaims = true
		}
	}
	if needPods {
		var pods corev1.PodList
		if err := r.List(ctx, &pods, client.InNamespace(namespace)); err != nil {
			return nil, nil, fmt.Errorf("list pods: %w", err)
		}
		for i := range pods.Items {
			addTo(used, Pod(&pods.Items[i]))
		}
	}
	if needClaims {
		var pvcs corev1.PersistentVolumeClaimList
		if err := r.List(ctx, &pvcs, client.InNamespace(namespace)); err != nil {
			return nil, nil, fmt.Errorf("list claims: %w", err)
		}
		for i := range pvcs.Items {
			addTo(used, Claim(&pvcs.Items[i]))
		}
	}
	out := corev1.ResourceList{}
	for _, n := range names {
		if v, ok := used[n]; ok {
			out[n] = v
			continue
		}
		gr, counted := CountedResource(n)
		switch {
		case counted && gr == (schema.GroupResource{Resource: "pods"}):
			out[n] = resource.MustParse("0")
		case counted:
			count, err := countObjects(ctx, r, mapper, namespace, gr)
			if err != nil {
				unknown = append(unknown, n)
				continue
			}
			out[n] = *resource.NewQuantity(int64(count), resource.DecimalSI)
		case isPodOrClaimResource(n):
			out[n] = resource.MustParse("0")
		default:
			unknown = append(unknown, n)
		}
	}
	return out, unknown, nil
}

func isPodOrClaimResource(n corev1.ResourceName) bool {
	s := string(n)
	return strings.HasPrefix(s, "requests.") || strings.HasPrefix(s, "limits.") || n == corev1.ResourceCPU || n == corev1.ResourceMemory
}

func countObjects(ctx context.Context, r client.Reader, mapper interface {
	KindFor(schema.GroupVersionResource) (schema.GroupVersionKind, error)
}, namespace string, gr schema.GroupResource) (int, error) {
	gvk, err := mapper.KindFor(gr.WithVersion(""))
	if err != nil {
		return 0, err
	}
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err := r.List(ctx, list, client.InNamespace(namespace)); err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

func addTo(dst, src corev1.ResourceList) {
	for n, v := range src {
		cur := dst[n]
		cur.Add(v)
		dst[n] = cur
	}
}

func maxTo(dst, src corev1.ResourceList) {
	for n, v := range src {
		if cur, ok := dst[n]; !ok || v.Cmp(cur) > 0 {
			dst[n] = v.DeepCopy()
		}
	}
}

// Created returns what creating an object of resource gr, encoded as raw
// JSON, counts against a quota: a pod's or claim's resources, and one of
// count/<resource>[.<group>] and of the legacy count name where there is
// one.
func Created(gr schema.GroupResource, raw []byte) (corev1.ResourceList, error) {
	out := corev1.ResourceList{}
	switch gr {
	case schema.GroupResource{Resource: "pods"}:
		pod := &corev1.Pod{}
		if err := json.Unmarshal(raw, pod); err != nil {
			return nil, fmt.Errorf("decode pod: %w", err)
		}
		out = Pod(pod)
	case schema.GroupResource{Resource: "persistentvolumeclaims"}:
		pvc := &corev1.PersistentVolumeClaim{}
		if err := json.Unmarshal(raw, pvc); err != nil {
			return nil, fmt.Errorf("decode claim: %w", err)
		}
		out = Claim(pvc)
	}
	// The API server's validation refuses negative quantities before
	// validating admission runs; an object that still carries one (a
	// forged review) must not free quota.
	for name, q := range out {
		if q.Sign() < 0 {
			return nil, fmt.Errorf("%s of %s is negative (%s)", name, gr, q.String())
		}
	}
	count := "count/" + gr.Resource
	if gr.Group != "" {
		count += "." + gr.Group
	}
	out[corev1.ResourceName(count)] = resource.MustParse("1")
	for name, legacy := range legacyCounts {
		if legacy == gr {
			out[name] = resource.MustParse("1")
		}
	}
	return out, nil
}
