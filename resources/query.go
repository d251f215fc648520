package resources

import (
	"net/url"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Query parameter names of the KubeSphere resources API (v1alpha3).
const (
	ParamPage           = "page"
	ParamLimit          = "limit"
	ParamSortBy         = "sortBy"
	ParamAscending      = "ascending"
	ParamLabelSelector  = "labelSelector"
	ParamFieldSelector  = "fieldSelector"
	ParamName           = "name"
	ParamNames          = "names"
	ParamUID            = "uid"
	ParamNamespace      = "namespace"
	ParamOwnerReference = "ownerReference"
	ParamOwnerKind      = "ownerKind"
	ParamLabel          = "label"
	ParamAnnotation     = "annotation"
	ParamStatus         = "status"
)

// Per-kind filter keys, used both as query parameters and as keys of
// Query.Filters. Each applies to the kinds named; List refuses it with an
// *InvalidError on any other kind.
const (
	// FilterNodeName matches pods by spec.nodeName.
	FilterNodeName = "nodeName"
	// FilterPVCName matches pods with a volume claiming the named
	// PersistentVolumeClaim.
	FilterPVCName = "pvcName"
	// FilterServiceName matches pods selected by the named Service of their
	// namespace.
	FilterServiceName = "serviceName"
	// FilterPhase matches pods by status.phase (case-insensitive).
	FilterPhase = "phase"
	// FilterStorageClassName matches PersistentVolumeClaims by
	// spec.storageClassName or the legacy annotation
	// volume.beta.kubernetes.io/storage-class.
	FilterStorageClassName = "storageClassName"
	// FilterTargetKind and FilterTargetName match HorizontalPodAutoscalers
	// by spec.scaleTargetRef.
	FilterTargetKind = "targetKind"
	FilterTargetName = "targetName"
	// FilterVolumeSnapshotClassName matches VolumeSnapshots by
	// spec.volumeSnapshotClassName.
	FilterVolumeSnapshotClassName = "volumeSnapshotClassName"
	// FilterPersistentVolumeClaimName matches VolumeSnapshots by their source
	// claim, spec.source.persistentVolumeClaimName.
	FilterPersistentVolumeClaimName = "persistentVolumeClaimName"
)

// filterKeys are the per-kind keys ParseQuery copies into Query.Filters.
var filterKeys = []string{
	FilterNodeName, FilterPVCName, FilterServiceName, FilterPhase,
	FilterStorageClassName, FilterTargetKind, FilterTargetName,
	FilterVolumeSnapshotClassName, FilterPersistentVolumeClaimName,
}

// Sort fields. Any other value sorts like SortByCreationTimestamp.
const (
	// SortByCreationTimestamp sorts by metadata.creationTimestamp; it is
	// what an empty Query.SortBy means.
	SortByCreationTimestamp = "creationTimestamp"
	// SortByCreateTime is KubeSphere's alias of SortByCreationTimestamp.
	SortByCreateTime = "createTime"
	// SortByName sorts by metadata.name.
	SortByName = "name"
	// SortByUpdateTime sorts Deployments by their latest condition's
	// lastUpdateTime and StatefulSets, DaemonSets and Jobs by their latest
	// condition's lastTransitionTime; objects without conditions, and other
	// kinds, use their creationTimestamp.
	SortByUpdateTime = "updateTime"
)

// AliasAnnotation holds an object's display name; the Name filter matches
// it as well as metadata.name.
const AliasAnnotation = "kubesphere.io/alias-name"

// noPaging is the limit KubeSphere reads as "every item on one page".
const noPaging = -1

// Limits on query input, so a request cannot ask for unbounded work.
const (
	maxParamLen = 4096
	maxNames    = 1000
)

// Query says which objects List returns and in which order: the filters
// select objects, SortBy and Ascending order them, Page and Limit cut the
// page. The zero value lists everything, newest first.
type Query struct {
	// Page is the 1-based page number; 0 means 1. It is ignored when Limit
	// is 0.
	Page int
	// Limit is the page size; 0 means everything on one page (KubeSphere's
	// limit=-1, which ParseQuery reads as 0).
	Limit int
	// CountOnly returns no items, only the total: KubeSphere's limit=0,
	// which ParseQuery reads as CountOnly.
	CountOnly bool
	// SortBy is SortByCreationTimestamp (or ""), SortByName or
	// SortByUpdateTime. Ties are broken by name, then namespace, so pages
	// are stable.
	SortBy string
	// Ascending sorts oldest (or A) first. The default is descending:
	// newest first, Z first by name.
	Ascending bool

	// LabelSelector selects by labels with Kubernetes semantics; nil
	// selects everything.
	LabelSelector labels.Selector
	// FieldSelector selects by fields of the object; nil selects everything.
	FieldSelector *FieldSelector

	// Name matches objects whose metadata.name or AliasAnnotation contains
	// it.
	Name string
	// Names matches objects whose metadata.name is one of them.
	Names []string
	// UID matches the object with this metadata.uid.
	UID string
	// Namespace restricts the list to one namespace.
	Namespace string
	// OwnerReference matches objects with an owner of this UID.
	// OwnerKind matches objects with an owner of this kind. When both are
	// set, one owner must match both. For pods, the owners of a ReplicaSet
	// owner count too, so OwnerKind "Deployment" finds a Deployment's pods.
	OwnerReference string
	OwnerKind      string
	// Label and Annotation are each "key=value" (the key is present with
	// that value), "key!=value" (the key is present with another value, as
	// KubeSphere matches it; use LabelSelector for Kubernetes semantics) or
	// "key" (the key is present).
	Label      string
	Annotation string
	// Status matches the kind's status: for Deployments, StatefulSets and
	// DaemonSets "stopped", "running" or "updating"; for Jobs "running",
	// "completed" or "failed"; for CronJobs "running" or "paused"; for Pods
	// the reason kubectl's STATUS column shows ("Running", "Completed",
	// "CrashLoopBackOff", "Init:0/1" ...); for PersistentVolumeClaims the
	// phase; for VolumeSnapshots "creating", "ready" or "deleting".
	// Comparison ignores case.
	Status string

	// Filters holds the per-kind filters by key (FilterNodeName ...).
	Filters map[string]string
}

// ParseQuery reads a Query from KubeSphere resources API parameters (the
// Param* and Filter* names). Unknown parameters are ignored; malformed
// values return an *InvalidError.
//
// limit=-1 is KubeSphere's "no paging": every item on one page, whatever
// page says (Limit 0). limit=0 answers, as in KubeSphere, with no items and
// the total (CountOnly). Other negative limits (an empty page in
// KubeSphere), non-numeric limits (no paging in KubeSphere) and pages below
// 1 are refused.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	for key, vals := range v {
		for _, val := range vals {
			if len(val) > maxParamLen {
				return Query{}, &InvalidError{Field: key, Reason: "longer than " + strconv.Itoa(maxParamLen) + " bytes"}
			}
		}
	}
	var err error
	if s := v.Get(ParamPage); s != "" {
		if q.Page, err = strconv.Atoi(s); err != nil || q.Page < 1 {
			return Query{}, &InvalidError{Field: ParamPage, Reason: "must be a whole number of at least 1"}
		}
	}
	if s := v.Get(ParamLimit); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit < noPaging {
			return Query{}, &InvalidError{Field: ParamLimit, Reason: "must be -1 (no paging) or a whole number of at least 0"}
		}
		switch q.Limit {
		case noPaging:
			q.Limit = 0
		case 0:
			q.CountOnly = true
		}
	}
	q.SortBy = v.Get(ParamSortBy)
	if s := v.Get(ParamAscending); s != "" {
		if q.Ascending, err = strconv.ParseBool(s); err != nil {
			return Query{}, &InvalidError{Field: ParamAscending, Reason: "must be true or false"}
		}
	}
	if s := v.Get(ParamLabelSelector); s != "" {
		if q.LabelSelector, err = labels.Parse(s); err != nil {
			return Query{}, &InvalidError{Field: ParamLabelSelector, Reason: err.Error()}
		}
	}
	if s := v.Get(ParamFieldSelector); s != "" {
		if q.FieldSelector, err = ParseFieldSelector(s); err != nil {
			return Query{}, err
		}
	}
	q.Name = v.Get(ParamName)
	if s := v.Get(ParamNames); s != "" {
		for n := range strings.SplitSeq(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				q.Names = append(q.Names, n)
			}
		}
		if len(q.Names) > maxNames {
			return Query{}, &InvalidError{Field: ParamNames, Reason: "more than " + strconv.Itoa(maxNames) + " names"}
		}
	}
	q.UID = v.Get(ParamUID)
	q.Namespace = v.Get(ParamNamespace)
	q.OwnerReference = v.Get(ParamOwnerReference)
	q.OwnerKind = v.Get(ParamOwnerKind)
	q.Label = v.Get(ParamLabel)
	if _, err := parseMapTerm(ParamLabel, q.Label); err != nil {
		return Query{}, err
	}
	q.Annotation = v.Get(ParamAnnotation)
	if _, err := parseMapTerm(ParamAnnotation, q.Annotation); err != nil {
		return Query{}, err
	}
	q.Status = v.Get(ParamStatus)
	for _, key := range filterKeys {
		if s := v.Get(key); s != "" {
			if q.Filters == nil {
				q.Filters = map[string]string{}
			}
			q.Filters[key] = s
		}
	}
	return q, nil
}

// mapTerm is a parsed Label or Annotation filter.
type mapTerm struct {
	key, value string
	// hasValue is false for a bare "key".
	hasValue bool
	not      bool
}

// parseMapTerm parses "key=value", "key!=value" or "key"; "" yields nil.
func parseMapTerm(field, s string) (*mapTerm, error) {
	if s == "" {
		return nil, nil
	}
	t := &mapTerm{key: s}
	if i := strings.IndexByte(s, '='); i >= 0 {
		t.key, t.value, t.hasValue = s[:i], s[i+1:], true
		if k, ok := strings.CutSuffix(t.key, "!"); ok {
			t.key, t.not = k, true
		}
	}
	if t.key == "" {
		return nil, &InvalidError{Field: field, Reason: `want "key", "key=value" or "key!=value"`}
	}
	return t, nil
}

func (t *mapTerm) matches(m map[string]string) bool {
	v, ok := m[t.key]
	switch {
	case !ok:
		return false
	case !t.hasValue:
		return true
	case t.not:
		return v != t.value
	default:
		return v == t.value
	}
}
