package resources

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// List fills list with the page of objects q selects, read from r, and
// returns how many objects match q before paging.
//
// r is meant to be a controller-runtime cache (a manager's client reader or
// cache.Cache): List reads it with client.UnsafeDisableDeepCopy, so the
// objects it filters and sorts are the cache's own and are never changed,
// and only the page's objects are deep-copied into list. Ordering uses a
// partial sort bounded by Page*Limit, so a page near the front of a large
// list costs little more than one pass over it. Any client.Reader works; a
// live client simply returns copies already.
//
// list is a typed list (*corev1.PodList ...) or an
// *unstructured.UnstructuredList with its kind set. The per-kind filters
// (Status, Filters) need a typed list of a kind that has them; otherwise, as
// for malformed Query fields, List returns an *InvalidError.
//
// Some filters read other kinds from r: the serviceName filter (on pods)
// gets the named Service of each pod's namespace, and the ownerKind and
// ownerReference filters on pods get the pods' ReplicaSets. List itself
// authorizes nothing; a caller listing for an end user checks those reads
// too, as NewHandler does.
func List(ctx context.Context, r client.Reader, list client.ObjectList, q Query) (total int, err error) {
	m, err := newMatcher(ctx, r, list, q)
	if err != nil {
		return 0, err
	}
	page := newPager(q)
	n := 0
	visit := func(o runtime.Object) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		obj, ok := o.(client.Object)
		if !ok {
			return fmt.Errorf("list item %T is not a client.Object", o)
		}
		ok, err := m.matches(obj)
		if err != nil || !ok {
			return err
		}
		page.add(m.entry(obj))
		return nil
	}
	if stored, ok := fromInformer(ctx, r, list, q.Namespace); ok {
		for _, o := range stored {
			obj, ok := o.(runtime.Object)
			if !ok {
				return 0, fmt.Errorf("stored %s %T is not a runtime.Object", m.kind, o)
			}
			if q.LabelSelector != nil && !q.LabelSelector.Empty() {
				if mo, ok := obj.(metav1.Object); !ok || !q.LabelSelector.Matches(labels.Set(mo.GetLabels())) {
					continue
				}
			}
			if err := visit(obj); err != nil {
				return 0, fmt.Errorf("filter %s: %w", m.kind, err)
			}
		}
	} else {
		opts := []client.ListOption{client.UnsafeDisableDeepCopy}
		if q.Namespace != "" {
			opts = append(opts, client.InNamespace(q.Namespace))
		}
		if q.LabelSelector != nil && !q.LabelSelector.Empty() {
			opts = append(opts, client.MatchingLabelsSelector{Selector: q.LabelSelector})
		}
		if err := r.List(ctx, list, opts...); err != nil {
			return 0, fmt.Errorf("list %s: %w", m.kind, err)
		}
		if err := meta.EachListItem(list, visit); err != nil {
			return 0, fmt.Errorf("filter %s: %w", m.kind, err)
		}
	}
	selected := page.items()
	out := make([]runtime.Object, len(selected))
	for i, e := range selected {
		out[i] = e.obj.DeepCopyObject()
	}
	if err := meta.SetList(list, out); err != nil {
		return 0, fmt.Errorf("set %s page: %w", m.kind, err)
	}
	return page.total, nil
}

// entry is a matching object with its sort key.
type entry struct {
	obj       client.Object
	name      string
	namespace string
	// at is the time sort key in Unix nanoseconds; unused by name.
	at int64
}

// pager keeps the objects of the pages up to the requested one: all of them
// when there is no limit, else the first Page*Limit in a bounded heap whose
// root is the last of them.
type pager struct {
	byName    bool
	ascending bool
	offset    int
	keep      int // math.MaxInt without a limit
	heap      []entry
	total     int
}

func newPager(q Query) *pager {
	p := &pager{byName: q.SortBy == SortByName, ascending: q.Ascending, keep: math.MaxInt}
	switch {
	case q.CountOnly:
		p.keep = 0
	case q.Limit > 0:
		pageNo := max(q.Page, 1)
		if pageNo-1 > (math.MaxInt-q.Limit)/q.Limit {
			p.offset, p.keep = math.MaxInt, 0 // beyond any list
		} else {
			p.offset = (pageNo - 1) * q.Limit
			p.keep = p.offset + q.Limit
		}
	}
	return p
}

// compare orders entries as the page shows them: by the sort key, then
// name, then namespace, all reversed when descending.
func (p *pager) compare(a, b *entry) int {
	c := 0
	if !p.byName {
		c = cmp.Compare(a.at, b.at)
	}
	if c == 0 {
		c = strings.Compare(a.name, b.name)
	}
	if c == 0 {
		c = strings.Compare(a.namespace, b.namespace)
	}
	if !p.ascending {
		c = -c
	}
	return c
}

func (p *pager) add(e entry) {
	p.total++
	if p.keep == 0 {
		return
	}
	if p.keep == math.MaxInt || len(p.heap) < p.keep {
		p.heap = append(p.heap, e)
		if p.keep != math.MaxInt {
			p.up(len(p.heap) - 1)
		}
		return
	}
	// A max-heap on the page order: the root is the last entry kept.
	if p.compare(&e, &p.heap[0]) >= 0 {
		return
	}
	p.heap[0] = e
	p.down(0)
}

func (p *pager) up(i int) {
	h := p.heap
	for i > 0 {
		parent := (i - 1) / 2
		if p.compare(&h[i], &h[parent]) <= 0 {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (p *pager) down(i int) {
	h := p.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		big := l
		if r := l + 1; r < len(h) && p.compare(&h[r], &h[l]) > 0 {
			big = r
		}
		if p.compare(&h[big], &h[i]) <= 0 {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// items returns the requested page in order.
func (p *pager) items() []entry {
	if p.offset >= len(p.heap) {
		return nil
	}
	slices.SortFunc(p.heap, func(a, b entry) int { return p.compare(&a, &b) })
	return p.heap[p.offset:]
}

// matcher evaluates a Query's filters on one kind.
type matcher struct {
	ctx        context.Context
	r          client.Reader
	q          Query
	kind       string
	itemKind   string
	label      *mapTerm
	annotation *mapTerm
	names      map[string]struct{}
	filters    map[string]string
	byUpdate   bool

	// Lookups, once per List: Service selectors by namespace/name (nil for
	// none) and ReplicaSet owners.
	services map[types.NamespacedName]labels.Selector
	rsOwners map[types.NamespacedName][]metav1.OwnerReference
}

func newMatcher(ctx context.Context, r client.Reader, list client.ObjectList, q Query) (*matcher, error) {
	if q.Page < 0 {
		return nil, &InvalidError{Field: ParamPage, Reason: "must not be negative"}
	}
	if q.Limit < 0 {
		return nil, &InvalidError{Field: ParamLimit, Reason: "must not be negative"}
	}
	m := &matcher{ctx: ctx, r: r, q: q, itemKind: listItemKind(list)}
	m.kind = m.itemKind
	if m.kind == "" {
		m.kind = strings.TrimSuffix(list.GetObjectKind().GroupVersionKind().Kind, "List")
		if m.kind == "" {
			m.kind = strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", list), "*"), "List")
		}
	}
	var err error
	if m.label, err = parseMapTerm(ParamLabel, q.Label); err != nil {
		return nil, err
	}
	if m.annotation, err = parseMapTerm(ParamAnnotation, q.Annotation); err != nil {
		return nil, err
	}
	if len(q.Names) > 0 {
		m.names = make(map[string]struct{}, len(q.Names))
		for _, n := range q.Names {
			m.names[n] = struct{}{}
		}
	}
	rules, hasRules := rulesByKind[m.itemKind]
	if q.Status != "" {
		if !hasRules || !rules.status {
			return nil, &InvalidError{Field: ParamStatus, Reason: "no status rule for " + m.kind}
		}
		if rules.statuses != nil && !slices.ContainsFunc(rules.statuses, func(s string) bool { return strings.EqualFold(s, q.Status) }) {
			return nil, &InvalidError{Field: ParamStatus, Reason: m.kind + " status is one of " + strings.Join(rules.statuses, ", ")}
		}
	}
	for key, val := range q.Filters {
		if val == "" {
			continue
		}
		if !slices.Contains(filterKeys, key) {
			return nil, &InvalidError{Field: key, Reason: "not a filter (want one of " + strings.Join(filterKeys, ", ") + ")"}
		}
		if !slices.Contains(rules.filters, key) {
			return nil, &InvalidError{Field: key, Reason: "does not apply to " + m.kind}
		}
		if m.filters == nil {
			m.filters = map[string]string{}
		}
		m.filters[key] = val
	}
	switch q.SortBy {
	case SortByUpdateTime:
		m.byUpdate = true
	}
	return m, nil
}

func (m *matcher) entry(obj client.Object) entry {
	e := entry{obj: obj, name: obj.GetName(), namespace: obj.GetNamespace()}
	t := obj.GetCreationTimestamp().Time
	if m.byUpdate {
		t = updateTime(obj, t)
	}
	e.at = t.UnixNano()
	return e
}

// matches applies the cheap metadata filters first, then the per-kind ones,
// the field selector and finally those needing lookups.
func (m *matcher) matches(obj client.Object) (bool, error) {
	q := &m.q
	if q.UID != "" && string(obj.GetUID()) != q.UID {
		return false, nil
	}
	if m.names != nil {
		if _, ok := m.names[obj.GetName()]; !ok {
			return false, nil
		}
	}
	if q.Name != "" && !strings.Contains(obj.GetName(), q.Name) && !strings.Contains(obj.GetAnnotations()[AliasAnnotation], q.Name) {
		return false, nil
	}
	if m.label != nil && !m.label.matches(obj.GetLabels()) {
		return false, nil
	}
	if m.annotation != nil && !m.annotation.matches(obj.GetAnnotations()) {
		return false, nil
	}
	if q.Status != "" && !strings.EqualFold(statusOf(obj), q.Status) {
		return false, nil
	}
	if m.filters != nil && !m.kindFilters(obj) {
		return false, nil
	}
	if !q.FieldSelector.Empty() {
		ok, err := q.FieldSelector.Matches(obj)
		if err != nil || !ok {
			return false, err
		}
	}
	if q.OwnerReference != "" || q.OwnerKind != "" {
		ok, err := m.ownerMatches(obj)
		if err != nil || !ok {
			return false, err
		}
	}
	if svc := m.filters[FilterServiceName]; svc != "" {
		return m.selectedByService(obj, svc)
	}
	return true, nil
}

// kindFilters applies the per-kind filters other than serviceName.
func (m *matcher) kindFilters(obj client.Object) bool {
	f := m.filters
	switch o := obj.(type) {
	case *corev1.Pod:
		if v := f[FilterNodeName]; v != "" && o.Spec.NodeName != v {
			return false
		}
		if v := f[FilterPhase]; v != "" && !strings.EqualFold(string(o.Status.Phase), v) {
			return false
		}
		if v := f[FilterPVCName]; v != "" && !slices.ContainsFunc(o.Spec.Volumes, func(vol corev1.Volume) bool {
			return vol.PersistentVolumeClaim != nil && vol.PersistentVolumeClaim.ClaimName == v
		}) {
			return false
		}
	case *corev1.PersistentVolumeClaim:
		if v := f[FilterStorageClassName]; v != "" {
			class := o.Annotations[StorageClassAnnotation]
			if o.Spec.StorageClassName != nil {
				class = *o.Spec.StorageClassName
			}
			if class != v {
				return false
			}
		}
	case *snapshotv1.VolumeSnapshot:
		if v := f[FilterVolumeSnapshotClassName]; v != "" && (o.Spec.VolumeSnapshotClassName == nil || *o.Spec.VolumeSnapshotClassName != v) {
			return false
		}
		if v := f[FilterPersistentVolumeClaimName]; v != "" && (o.Spec.Source.PersistentVolumeClaimName == nil || *o.Spec.Source.PersistentVolumeClaimName != v) {
			return false
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		return m.targetMatches(o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name)
	case *autoscalingv1.HorizontalPodAutoscaler:
		return m.targetMatches(o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name)
	}
	return true
}

func (m *matcher) targetMatches(kind, name string) bool {
	if v := m.filters[FilterTargetKind]; v != "" && !strings.EqualFold(kind, v) {
		return false
	}
	if v := m.filters[FilterTargetName]; v != "" && name != v {
		return false
	}
	return true
}

func (m *matcher) ownerOK(refs []metav1.OwnerReference) bool {
	for _, ref := range refs {
		if (m.q.OwnerReference == "" || string(ref.UID) == m.q.OwnerReference) &&
			(m.q.OwnerKind == "" || strings.EqualFold(ref.Kind, m.q.OwnerKind)) {
			return true
		}
	}
	return false
}

// ownerMatches checks the owner filters; a pod's ReplicaSet owner's owners
// count as the pod's.
func (m *matcher) ownerMatches(obj client.Object) (bool, error) {
	refs := obj.GetOwnerReferences()
	if m.ownerOK(refs) {
		return true, nil
	}
	if _, isPod := obj.(*corev1.Pod); !isPod {
		return false, nil
	}
	for _, ref := range refs {
		if ref.Kind != "ReplicaSet" || !strings.HasPrefix(ref.APIVersion, "apps/") {
			continue
		}
		key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: ref.Name}
		owners, seen := m.rsOwners[key]
		if !seen {
			rs := &appsv1.ReplicaSet{}
			switch err := m.r.Get(m.ctx, key, rs); {
			case apierrors.IsNotFound(err):
			case err != nil:
				return false, fmt.Errorf("get replicaset %s: %w", key, err)
			case rs.UID == ref.UID:
				owners = rs.OwnerReferences
			}
			if m.rsOwners == nil {
				m.rsOwners = map[types.NamespacedName][]metav1.OwnerReference{}
			}
			m.rsOwners[key] = owners
		}
		if m.ownerOK(owners) {
			return true, nil
		}
	}
	return false, nil
}

// lookup is a read List makes beyond the listed kind, for the filter param.
type lookup struct {
	param string
	attrs ResourceAttributes
}

// lookups returns the reads a List of gvk with q makes beyond the listed
// kind, for the handler to authorize: the ones selectedByService and
// ownerMatches make. Keep it in step with them.
func lookups(gvk schema.GroupVersionKind, q Query) []lookup {
	if gvk.Group != corev1.GroupName || gvk.Kind != "Pod" {
		return nil
	}
	var out []lookup
	if svc := q.Filters[FilterServiceName]; svc != "" {
		out = append(out, lookup{param: FilterServiceName, attrs: ResourceAttributes{Verb: VerbGet, Resource: "services", Namespace: q.Namespace, Name: svc}})
	}
	if q.OwnerKind != "" || q.OwnerReference != "" {
		param := ParamOwnerKind
		if q.OwnerKind == "" {
			param = ParamOwnerReference
		}
		out = append(out, lookup{param: param, attrs: ResourceAttributes{Verb: VerbGet, APIGroup: appsv1.GroupName, Resource: "replicasets", Namespace: q.Namespace}})
	}
	return out
}

// selectedByService reports whether the named Service of the pod's
// namespace selects it. A Service without a selector selects nothing.
func (m *matcher) selectedByService(obj client.Object, name string) (bool, error) {
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}
	sel, seen := m.services[key]
	if !seen {
		svc := &corev1.Service{}
		switch err := m.r.Get(m.ctx, key, svc); {
		case apierrors.IsNotFound(err):
		case err != nil:
			return false, fmt.Errorf("get service %s: %w", key, err)
		case len(svc.Spec.Selector) > 0:
			sel = labels.SelectorFromSet(svc.Spec.Selector)
		}
		if m.services == nil {
			m.services = map[types.NamespacedName]labels.Selector{}
		}
		m.services[key] = sel
	}
	return sel != nil && sel.Matches(labels.Set(obj.GetLabels())), nil
}

// StripForCache is a cache.TransformFunc that drops what a list never needs
// from each object before the cache stores it: metadata.managedFields and
// the kubectl.kubernetes.io/last-applied-configuration annotation. Together
// they are often most of an object's size. Pass it as the cache's
// DefaultTransform (cache.Options or manager Options.Cache). Values that are
// not objects are returned as they are.
func StripForCache(obj any) (any, error) {
	o, ok := obj.(metav1.Object)
	if !ok {
		return obj, nil
	}
	if o.GetManagedFields() != nil {
		o.SetManagedFields(nil)
	}
	if a := o.GetAnnotations(); a != nil {
		if _, ok := a[corev1.LastAppliedConfigAnnotation]; ok {
			delete(a, corev1.LastAppliedConfigAnnotation)
			if len(a) == 0 {
				a = nil
			}
			o.SetAnnotations(a)
		}
	}
	return obj, nil
}

// informerGetter is what a controller-runtime cache.Cache offers beyond a
// client.Reader.
type informerGetter interface {
	GetInformer(ctx context.Context, obj client.Object, opts ...crcache.InformerGetOption) (crcache.Informer, error)
}

// storeIndexer is what the cache's informers (client-go shared index
// informers) offer.
type storeIndexer interface {
	GetIndexer() toolscache.Indexer
}

// fromInformer reads the objects of list's kind (in namespace, if set)
// straight from the informer's store when r is a controller-runtime cache
// that already has a synced informer for the kind. A cache's List copies
// every stored object into the list's items, which for 100k pods costs more
// than the filtering; the store hands out the cache-owned pointers, which
// List only reads. ok is false when r offers no such store (another reader,
// an unstructured list, an informer not started or not synced yet), and
// List then reads through r.List, which waits for the sync or reports the
// cache not started.
func fromInformer(ctx context.Context, r client.Reader, list client.ObjectList, namespace string) (objs []any, ok bool) {
	ig, isCache := r.(informerGetter)
	if !isCache {
		return nil, false
	}
	item := newListItem(list)
	if item == nil {
		return nil, false
	}
	inf, err := ig.GetInformer(ctx, item, crcache.BlockUntilSynced(false))
	if err != nil {
		return nil, false
	}
	si, isIndexed := inf.(storeIndexer)
	if !isIndexed || !inf.HasSynced() {
		return nil, false
	}
	if namespace == "" {
		return si.GetIndexer().List(), true
	}
	objs, err = si.GetIndexer().ByIndex(toolscache.NamespaceIndex, namespace)
	if err != nil {
		return nil, false
	}
	return objs, true
}

// newListItem returns a new, empty item of a typed list (a *corev1.Pod for
// a *corev1.PodList), or nil for a list whose Items are not typed objects.
func newListItem(list client.ObjectList) client.Object {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	items := v.Elem().FieldByName("Items")
	if !items.IsValid() || items.Kind() != reflect.Slice || items.Type().Elem().Kind() != reflect.Struct {
		return nil
	}
	obj, ok := reflect.New(items.Type().Elem()).Interface().(client.Object)
	if !ok {
		return nil
	}
	if _, isUnstructured := obj.(runtime.Unstructured); isUnstructured {
		return nil
	}
	return obj
}
