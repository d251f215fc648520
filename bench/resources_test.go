package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
)

const benchPods = 100_000

// memReader is a client.Reader over pods held in memory. It stands in for a
// controller-runtime informer cache, whose List it mirrors: objects are
// stored as pointers, a List deep-copies each one unless the caller passes
// client.UnsafeDisableDeepCopy, in which case it returns the stored
// (cache-owned) objects themselves, and the result is put into the list
// with meta.SetList. Building 100k pods in a real informer cache would need
// an API server holding them; the list path the benchmark measures is the
// same.
type memReader struct {
	pods []*corev1.Pod
}

func (r *memReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	for _, p := range r.pods {
		if p.Namespace == key.Namespace && p.Name == key.Name {
			p.DeepCopyInto(obj.(*corev1.Pod))
			return nil
		}
	}
	return fmt.Errorf("pod %s not found", key)
}

func (r *memReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	var lo client.ListOptions
	lo.ApplyOptions(opts)
	noCopy := lo.UnsafeDisableDeepCopy != nil && *lo.UnsafeDisableDeepCopy
	out := make([]k8sruntime.Object, 0, len(r.pods))
	for _, p := range r.pods {
		if lo.Namespace != "" && p.Namespace != lo.Namespace {
			continue
		}
		if lo.LabelSelector != nil && !lo.LabelSelector.Matches(labels.Set(p.Labels)) {
			continue
		}
		if noCopy {
			out = append(out, p)
		} else {
			out = append(out, p.DeepCopy())
		}
	}
	return meta.SetList(list, out)
}

var apps = []string{"web", "api", "worker", "cache", "gateway", "auth", "search", "billing"}

// benchPod is a pod as a Deployment's ReplicaSet creates it and the kubelet
// reports it: labels, an owner, two containers with env, probes, resources
// and mounts, default tolerations, four conditions and container statuses.
func benchPod(i int) *corev1.Pod {
	app := apps[i%len(apps)]
	ns := fmt.Sprintf("team-%02d", i%50)
	hash := fmt.Sprintf("%08x", uint32(i*2654435761))
	name := fmt.Sprintf("%s-%s-%05d", app, hash[:6], i)
	created := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%20000) * time.Second))
	tolerate := func(key string) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: new(int64(300))}
	}
	container := func(cname, image string, port int32) corev1.Container {
		return corev1.Container{
			Name: cname, Image: image,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port, Protocol: corev1.ProtocolTCP}},
			Env: []corev1.EnvVar{
				{Name: "APP", Value: app}, {Name: "LOG_LEVEL", Value: "info"}, {Name: "REGION", Value: "eu-west-1"},
				{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
			},
			VolumeMounts:             []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app"}, {Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			ReadinessProbe:           &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(port)}}, PeriodSeconds: 10},
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			ImagePullPolicy:          corev1.PullIfNotPresent,
		}
	}
	cstatus := func(cname, image string) corev1.ContainerStatus {
		return corev1.ContainerStatus{
			Name: cname, Image: image, ImageID: "docker-pullable://" + image + "@sha256:" + strings.Repeat(hash, 8),
			ContainerID: "containerd://" + strings.Repeat(hash, 8), Ready: true, Started: new(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: created}},
		}
	}
	cond := func(t corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: created}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns, UID: types.UID(fmt.Sprintf("%s-0000-4000-8000-%012d", hash, i)),
			ResourceVersion: fmt.Sprint(1000 + i), CreationTimestamp: created, GenerateName: app + "-" + hash[:6] + "-",
			Labels:      map[string]string{"app": app, "pod-template-hash": hash[:6], "tier": "backend", "app.kubernetes.io/name": app},
			Annotations: map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-" + hash[:6],
				UID: types.UID(hash + "-1111-4000-8000-000000000000"), Controller: new(true), BlockOwnerDeletion: new(true)}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{container(app, "registry.example.com/shop/"+app+":1.4.2", 8080), container("proxy", "envoyproxy/envoy:v1.31.0", 15001)},
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-config"}}}},
				{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: new(int64(3607))}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				}}}},
			},
			NodeName: fmt.Sprintf("node-%03d", i%300), ServiceAccountName: "default", RestartPolicy: corev1.RestartPolicyAlways,
			DNSPolicy: corev1.DNSClusterFirst, SchedulerName: "default-scheduler", TerminationGracePeriodSeconds: new(int64(30)),
			Tolerations: []corev1.Toleration{tolerate("node.kubernetes.io/not-ready"), tolerate("node.kubernetes.io/unreachable")},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{cond(corev1.PodReadyToStartContainers), cond(corev1.PodInitialized), cond(corev1.PodReady), cond(corev1.ContainersReady), cond(corev1.PodScheduled)},
			HostIP:     fmt.Sprintf("10.0.%d.%d", i%300/250, i%250), PodIP: fmt.Sprintf("10.244.%d.%d", i/250%250, i%250),
			PodIPs:    []corev1.PodIP{{IP: fmt.Sprintf("10.244.%d.%d", i/250%250, i%250)}},
			StartTime: &created, QOSClass: corev1.PodQOSBurstable,
			ContainerStatuses: []corev1.ContainerStatus{cstatus(app, "registry.example.com/shop/"+app+":1.4.2"), cstatus("proxy", "envoyproxy/envoy:v1.31.0")},
		},
	}
}

// applied adds what kubectl apply and the controllers leave on a stored pod:
// four managedFields entries whose field sets list the fields each manager
// owns, encoded as the API server encodes them (kubectl's client-side apply
// and the ReplicaSet controller own metadata and spec, the kubelet owns
// status, a sidecar injector one container), and the last-applied
// annotation holding the applied object as kubectl writes it.
func applied(p *corev1.Pod) {
	lastApplied, _ := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": p.Name, "namespace": p.Namespace, "labels": p.Labels},
		"spec":     map[string]any{"containers": p.Spec.Containers, "volumes": p.Spec.Volumes, "serviceAccountName": p.Spec.ServiceAccountName},
	})
	p.Annotations[corev1.LastAppliedConfigAnnotation] = string(lastApplied)
	u, _ := k8sruntime.DefaultUnstructuredConverter.ToUnstructured(p)
	md := u["metadata"].(map[string]any)
	owned := func(parts map[string]any) *metav1.FieldsV1 {
		var b strings.Builder
		writeFieldSet(&b, parts)
		return metav1.NewFieldsV1(b.String())
	}
	containers := u["spec"].(map[string]any)["containers"].([]any)
	at := p.CreationTimestamp
	entry := func(manager, sub string, f *metav1.FieldsV1) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &at, FieldsType: "FieldsV1", Subresource: sub, FieldsV1: f}
	}
	p.ManagedFields = []metav1.ManagedFieldsEntry{
		entry("kubectl-client-side-apply", "", owned(map[string]any{"metadata": map[string]any{"annotations": md["annotations"], "labels": md["labels"]}, "spec": u["spec"]})),
		entry("kube-controller-manager", "", owned(map[string]any{"metadata": map[string]any{"generateName": "", "labels": md["labels"], "ownerReferences": md["ownerReferences"]}, "spec": u["spec"]})),
		entry("kubelet", "status", owned(map[string]any{"status": u["status"]})),
		entry("sidecar-injector", "", owned(map[string]any{"spec": map[string]any{"containers": containers[1:]}})),
	}
}

// writeFieldSet writes v's field set in the FieldsV1 encoding: "f:<field>"
// for map fields, "k:{...}" for elements of keyed lists, {} for leaves.
func writeFieldSet(b *strings.Builder, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		b.WriteString(`{".":{}`)
		for _, k := range keys {
			fmt.Fprintf(b, `,"f:%s":`, k)
			writeFieldSet(b, v[k])
		}
		b.WriteString("}")
	case []any:
		b.WriteString(`{".":{}`)
		for _, el := range v {
			m, ok := el.(map[string]any)
			if !ok {
				continue
			}
			key := map[string]any{}
			for _, k := range []string{"name", "type", "ip", "containerPort", "protocol", "key", "mountPath", "uid"} {
				if x, ok := m[k]; ok {
					key[k] = x
				}
			}
			kb, _ := json.Marshal(key)
			qb, _ := json.Marshal("k:" + string(kb))
			b.WriteString(",")
			b.Write(qb)
			b.WriteString(":")
			writeFieldSet(b, m)
		}
		b.WriteString("}")
	default:
		b.WriteString("{}")
	}
}

func benchReader() *memReader {
	r := &memReader{pods: make([]*corev1.Pod, benchPods)}
	for i := range r.pods {
		r.pods[i] = benchPod(i)
	}
	return r
}

// pageQuery is the question every side of BenchmarkPageOf10From100kPods
// answers: page 3 of 10 pods whose name (or alias annotation) contains
// "web", newest (or Z) first.
func pageQuery(sortBy string) resources.Query {
	return resources.Query{Name: "web", SortBy: sortBy, Page: 3, Limit: 10}
}

// pageAnswer is what a side answers: the page's pods (namespace/name, in
// order) and how many pods match before paging.
type pageAnswer struct {
	Page  []string
	Total int
}

func answerOf(pods []corev1.Pod, total int) pageAnswer {
	a := pageAnswer{Page: make([]string, len(pods)), Total: total}
	for i := range pods {
		a.Page[i] = pods[i].Namespace + "/" + pods[i].Name
	}
	return a
}

// pageSide is one side of the comparison: it returns a page of pods the
// caller owns and the number of matches before paging.
type pageSide struct {
	name string
	page func(ctx context.Context, q resources.Query) ([]corev1.Pod, int, error)
}

// pageSides are the five ways of answering pageQuery over the same 100k
// pods: the plain algorithm (list, filter, sort every match, cut the page)
// reading a deep copy of every pod, reading the reader's own pods without
// deep copies (as resources.List reads a reader), and reading the informer
// store (as resources.List reads a cache); and resources.List over the
// reader and over the informer store.
func pageSides(r *memReader, store toolscache.Indexer) []pageSide {
	listed := func(opts ...client.ListOption) func(ctx context.Context, q resources.Query) ([]corev1.Pod, int, error) {
		return func(ctx context.Context, q resources.Query) ([]corev1.Pod, int, error) {
			var l corev1.PodList
			if err := r.List(ctx, &l, opts...); err != nil {
				return nil, 0, err
			}
			pods := make([]*corev1.Pod, len(l.Items))
			for i := range l.Items {
				pods[i] = &l.Items[i]
			}
			// Without a deep copy the pods are the reader's: copy the page.
			page, total := plainPage(pods, q, len(opts) > 0)
			return page, total, nil
		}
	}
	spherekit := func(r client.Reader) func(ctx context.Context, q resources.Query) ([]corev1.Pod, int, error) {
		return func(ctx context.Context, q resources.Query) ([]corev1.Pod, int, error) {
			var l corev1.PodList
			total, err := resources.List(ctx, r, &l, q)
			return l.Items, total, err
		}
	}
	return []pageSide{
		{"plain-deepcopy", listed()},
		{"plain-nocopy", listed(client.UnsafeDisableDeepCopy)},
		{"plain-store", func(_ context.Context, q resources.Query) ([]corev1.Pod, int, error) {
			stored := store.List()
			pods := make([]*corev1.Pod, len(stored))
			for i, o := range stored {
				pods[i] = o.(*corev1.Pod)
			}
			page, total := plainPage(pods, q, true)
			return page, total, nil
		}},
		{"spherekit", spherekit(r)},
		{"spherekit-informer-store", spherekit(storeReader{memReader: r, store: store})},
	}
}

// BenchmarkPageOf10From100kPods compares fetching page 3 of 10 pods whose
// name contains "web" (12,500 of 100,000 match) from a cache, newest (or Z)
// first: the plain algorithm (list everything, filter, sort every match,
// cut the page) with and without a deep copy of every pod, against
// resources.List. Before anything is timed, every side must return the same
// page (namespaces and names, in order) and the same total.
func BenchmarkPageOf10From100kPods(b *testing.B) {
	r := benchReader()
	store := newStore(r)
	ctx := context.Background()
	sides := pageSides(r, store)
	for _, sortBy := range []string{resources.SortByName, resources.SortByCreationTimestamp} {
		q := pageQuery(sortBy)
		want := samePage(ctx, b, sides, q)
		for _, s := range sides {
			b.Run(s.name+"/sortBy="+sortBy, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					pods, total, err := s.page(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					if len(pods) != len(want.Page) || total != want.Total {
						b.Fatalf("page has %d pods of %d, want %d of %d", len(pods), total, len(want.Page), want.Total)
					}
				}
			})
		}
	}
}

// samePage asks every side q and fails b unless all give the same answer,
// a full page of the expected matches.
func samePage(ctx context.Context, b *testing.B, sides []pageSide, q resources.Query) pageAnswer {
	b.Helper()
	var want pageAnswer
	for i, s := range sides {
		pods, total, err := s.page(ctx, q)
		if err != nil {
			b.Fatalf("%s, sortBy=%s: %v", s.name, q.SortBy, err)
		}
		got := answerOf(pods, total)
		if i == 0 {
			want = got
			if len(got.Page) != q.Limit || got.Total != benchPods/len(apps) {
				b.Fatalf("%s, sortBy=%s: %d pods of %d, want %d of %d", s.name, q.SortBy, len(got.Page), got.Total, q.Limit, benchPods/len(apps))
			}
			continue
		}
		if !slices.Equal(got.Page, want.Page) || got.Total != want.Total {
			b.Fatalf("sortBy=%s: %s answers %v of %d, %s answers %v of %d", q.SortBy, s.name, got.Page, got.Total, sides[0].name, want.Page, want.Total)
		}
	}
	return want
}

// storeReader is memReader that also offers its pods the way a
// controller-runtime cache does to resources.List: GetInformer returns an
// informer whose store is a client-go Indexer (the type every informer's
// store is) holding the same pod pointers, so List reads them without the
// copy into the list's items.
type storeReader struct {
	*memReader
	store toolscache.Indexer
}

func (s storeReader) GetInformer(context.Context, client.Object, ...crcache.InformerGetOption) (crcache.Informer, error) {
	return storeInformer{store: s.store}, nil
}

// storeInformer answers only what resources.List asks of an informer;
// crcache.Informer's other methods are not called.
type storeInformer struct {
	crcache.Informer
	store toolscache.Indexer
}

func (i storeInformer) HasSynced() bool                { return true }
func (i storeInformer) GetIndexer() toolscache.Indexer { return i.store }

func newStore(r *memReader) toolscache.Indexer {
	ix := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, toolscache.Indexers{toolscache.NamespaceIndex: toolscache.MetaNamespaceIndexFunc})
	for _, p := range r.pods {
		if err := ix.Add(p); err != nil {
			panic(err)
		}
	}
	return ix
}

// plainPage is the straightforward implementation of q's name filter,
// order and page over pods: keep every pod whose name or alias annotation
// contains q.Name, sort all of them (by q.SortBy, then name, then
// namespace, reversed unless ascending, as resources.List orders), cut the
// page. It returns the page and the number of matches. With copyPage it
// deep-copies the page's pods, for pods that belong to the reader.
func plainPage(pods []*corev1.Pod, q resources.Query, copyPage bool) ([]corev1.Pod, int) {
	var matched []*corev1.Pod
	for _, p := range pods {
		if strings.Contains(p.Name, q.Name) || strings.Contains(p.Annotations[resources.AliasAnnotation], q.Name) {
			matched = append(matched, p)
		}
	}
	slices.SortFunc(matched, func(a, b *corev1.Pod) int {
		c := 0
		if q.SortBy != resources.SortByName {
			c = a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if c == 0 {
			c = strings.Compare(a.Namespace, b.Namespace)
		}
		if !q.Ascending {
			c = -c
		}
		return c
	})
	from := min((max(q.Page, 1)-1)*q.Limit, len(matched))
	page := make([]corev1.Pod, 0, q.Limit)
	for _, p := range matched[from:min(from+q.Limit, len(matched))] {
		if copyPage {
			p = p.DeepCopy()
		}
		page = append(page, *p)
	}
	return page, len(matched)
}

// BenchmarkCacheMemory100kPods measures the live heap of 100k pods as an
// informer stores them, decoded from their JSON (so no strings are shared
// between objects), with and without StripForCache as the transform. The
// pods carry four managedFields entries and a last-applied annotation of
// about 2 KB. Run with -benchtime 1x: each iteration builds 100k pods.
func BenchmarkCacheMemory100kPods(b *testing.B) {
	// 1,000 distinct encodings, decoded 100 times each with unique names.
	docs := make([][]byte, 1000)
	for i := range docs {
		p := benchPod(i)
		applied(p)
		var err error
		if docs[i], err = json.Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
	sample := benchPodApplied()
	var mf int
	for _, e := range sample.ManagedFields {
		mf += len(e.FieldsV1.GetRawBytes())
	}
	b.Logf("encoded pod: %d bytes; managedFields %d bytes in %d entries; last-applied annotation %d bytes",
		len(docs[0]), mf, len(sample.ManagedFields), len(sample.Annotations[corev1.LastAppliedConfigAnnotation]))
	// Both sides hold the same pods: stripping drops managedFields and the
	// last-applied annotation and nothing else.
	if err := strippedOnly(docs[0]); err != nil {
		b.Fatal(err)
	}
	for _, strip := range []bool{false, true} {
		name := "stored"
		if strip {
			name = "StripForCache"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				store := make([]*corev1.Pod, 0, benchPods)
				before := heapAlloc()
				for i := range benchPods {
					p := &corev1.Pod{}
					if err := json.Unmarshal(docs[i%len(docs)], p); err != nil {
						b.Fatal(err)
					}
					p.Name = fmt.Sprintf("%s-%d", p.Name, i)
					if strip {
						if _, err := resources.StripForCache(p); err != nil {
							b.Fatal(err)
						}
					}
					store = append(store, p)
				}
				after := heapAlloc()
				runtime.KeepAlive(store)
				b.ReportMetric(float64(after-before), "heap-bytes")
				b.ReportMetric(float64(after-before)/benchPods, "bytes/pod")
			}
		})
	}
}

// strippedOnly checks that StripForCache, applied to the pod doc encodes,
// leaves it equal to the stored pod without managedFields and the
// last-applied annotation, both of which the stored pod has.
func strippedOnly(doc []byte) error {
	var stored, stripped corev1.Pod
	if err := json.Unmarshal(doc, &stored); err != nil {
		return err
	}
	if err := json.Unmarshal(doc, &stripped); err != nil {
		return err
	}
	if _, err := resources.StripForCache(&stripped); err != nil {
		return err
	}
	if len(stored.ManagedFields) == 0 || stored.Annotations[corev1.LastAppliedConfigAnnotation] == "" {
		return fmt.Errorf("the stored pod has no managedFields or no last-applied annotation to strip")
	}
	stored.ManagedFields = nil
	delete(stored.Annotations, corev1.LastAppliedConfigAnnotation)
	if !equality.Semantic.DeepEqual(&stored, &stripped) {
		return fmt.Errorf("StripForCache changed more than managedFields and the last-applied annotation")
	}
	return nil
}

func benchPodApplied() *corev1.Pod {
	p := benchPod(0)
	applied(p)
	return p
}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
