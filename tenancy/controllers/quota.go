package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// QuotaMeterLabel marks the native ResourceQuotas that meter a
// quota.kubesphere.io ResourceQuota in each namespace it selects; its value
// is that ResourceQuota's name.
const QuotaMeterLabel = "quota.spherekit.io/resourcequota"

// QuotaMeterName is the name of the native ResourceQuota that meters the
// multi-namespace ResourceQuota quota in each namespace it selects.
func QuotaMeterName(quota string) string { return "spherekit-quota-" + quota }

// QuotaAdmissionFieldOwner is the field manager under which admission
// (package webhooks) records pending charges on a workspace quota.
const QuotaAdmissionFieldOwner = "spherekit-quota-admission"

// QuotaPendingChargesAnnotation holds, on a quota.kubesphere.io
// ResourceQuota, the charges admission has made for creates that
// Kubernetes may not have counted yet: a JSON object from the admission
// request's UID to a PendingCharge.
//
// The record is an annotation, not a status field, so the status keeps
// exactly KubeSphere's schema; being part of the object it survives cache
// transforms (such as resources.StripForCache, which drops managed fields)
// and restarts of the webhook server and the controllers, and it is written
// with the object's resourceVersion, so two admissions racing for the last
// unit cannot both record a charge.
const QuotaPendingChargesAnnotation = "quota.spherekit.io/pending-charges"

// PendingCharge is what admission charged a workspace quota for one create,
// until the quota's meters count the object or the charge expires.
type PendingCharge struct {
	// Namespace, Group, Resource and Name name the object being created.
	Namespace string `json:"namespace"`
	Group     string `json:"group,omitempty"`
	Resource  string `json:"resource"`
	Name      string `json:"name"`
	// UID is the uid the API server gave the object before admission; an
	// object of the same name with another uid is not this charge's.
	UID types.UID `json:"uid,omitempty"`
	// Resources is what the object counts against the quota's limits.
	Resources corev1.ResourceList `json:"resources"`
	// Expires is when the create has certainly been stored or refused (see
	// package webhooks): an expired charge no longer counts.
	Expires metav1.Time `json:"expires"`
}

// PendingCharges returns the pending charges recorded on q, keyed by
// admission request UID; none when q has no record.
func PendingCharges(q *quotav1alpha2.ResourceQuota) (map[string]PendingCharge, error) {
	out := map[string]PendingCharge{}
	raw, ok := q.Annotations[QuotaPendingChargesAnnotation]
	if !ok || raw == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("decode annotation %s of quota %s: %w", QuotaPendingChargesAnnotation, q.Name, err)
	}
	return out, nil
}

// SetPendingCharges records charges on q (in memory), removing the record
// when there are none.
func SetPendingCharges(q *quotav1alpha2.ResourceQuota, charges map[string]PendingCharge) error {
	if len(charges) == 0 {
		delete(q.Annotations, QuotaPendingChargesAnnotation)
		return nil
	}
	raw, err := json.Marshal(charges)
	if err != nil {
		return fmt.Errorf("encode pending charges of quota %s: %w", q.Name, err)
	}
	if q.Annotations == nil {
		q.Annotations = map[string]string{}
	}
	q.Annotations[QuotaPendingChargesAnnotation] = string(raw)
	return nil
}

// QuotaCount is a live count of a workspace quota: what its meters count
// and which pending charges they do not count yet.
type QuotaCount struct {
	// Meters are the quota's native meters, as the API server has them.
	Meters []corev1.ResourceQuota
	// Counted is the sum of the meters' usage of the quota's limits.
	Counted corev1.ResourceList
	// Uncounted are the unexpired pending charges the meters may not count
	// yet; Settled the UIDs of those they count, or that expired.
	Uncounted map[string]PendingCharge
	Settled   []string
}

// Used is what counts against the quota: Counted plus the Uncounted
// charges. It never undercounts what has been admitted, and overcounts at
// most an object stored between the checks of CountQuota.
func (c *QuotaCount) Used() corev1.ResourceList {
	out := c.Counted.DeepCopy()
	for _, ch := range c.Uncounted {
		addLimited(out, ch.Resources, c.Counted)
	}
	return out
}

// CountQuota counts q live through r (an API reader, not a cache): it
// first looks up the object of every unexpired charge in charges, then
// reads q's meters. The order makes the count conservative: the API
// server's own quota admission charges a meter before it stores the
// object, so an object found in the first step is counted by the meter
// read in the second. A charge is settled when its object exists (with the
// charged uid) and its namespace's meter has counted every name it charged;
// otherwise it stays uncounted until it expires. mapper maps a charge's
// resource to its kind.
func CountQuota(ctx context.Context, r client.Reader, mapper meta.RESTMapper, q *quotav1alpha2.ResourceQuota, charges map[string]PendingCharge, now time.Time) (*QuotaCount, error) {
	out := &QuotaCount{Counted: corev1.ResourceList{}, Uncounted: map[string]PendingCharge{}}
	exists := map[string]bool{}
	for uid, ch := range charges {
		if !ch.Expires.After(now) {
			out.Settled = append(out.Settled, uid)
			continue
		}
		ok, err := chargedObjectExists(ctx, r, mapper, ch)
		if err != nil {
			return nil, err
		}
		exists[uid] = ok
	}
	var meters corev1.ResourceQuotaList
	if err := r.List(ctx, &meters, client.MatchingLabels{QuotaMeterLabel: q.Name}); err != nil {
		return nil, fmt.Errorf("list meters of quota %s: %w", q.Name, err)
	}
	out.Meters = meters.Items
	byNamespace := map[string]*corev1.ResourceQuota{}
	for i := range out.Meters {
		m := &out.Meters[i]
		byNamespace[m.Namespace] = m
		for name := range q.Spec.Quota.Hard {
			if v, ok := m.Status.Used[name]; ok {
				total := out.Counted[name]
				total.Add(v)
				out.Counted[name] = total
			}
		}
	}
	for name := range q.Spec.Quota.Hard {
		if _, ok := out.Counted[name]; !ok {
			out.Counted[name] = resource.MustParse("0")
		}
	}
	for uid, ok := range exists {
		ch := charges[uid]
		if ok && meterCounts(byNamespace[ch.Namespace], q.Spec.Quota.Hard, ch.Resources) {
			out.Settled = append(out.Settled, uid)
			continue
		}
		out.Uncounted[uid] = ch
	}
	sort.Strings(out.Settled)
	return out, nil
}

// meterCounts reports whether meter has counted every name of charged the
// quota limits (a meter just created, or whose limits just changed, has
// not).
func meterCounts(meter *corev1.ResourceQuota, hard, charged corev1.ResourceList) bool {
	if meter == nil {
		return false
	}
	for name := range charged {
		if _, limited := hard[name]; !limited {
			continue
		}
		if _, ok := meter.Status.Used[name]; !ok {
			return false
		}
	}
	return true
}

func chargedObjectExists(ctx context.Context, r client.Reader, mapper meta.RESTMapper, ch PendingCharge) (bool, error) {
	gvk, err := mapper.KindFor(schema.GroupVersionResource{Group: ch.Group, Resource: ch.Resource})
	if err != nil {
		// The kind is gone (a CRD removed): its object cannot be counted;
		// the charge expires.
		return false, nil
	}
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(gvk)
	err = r.Get(ctx, client.ObjectKey{Namespace: ch.Namespace, Name: ch.Name}, obj)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up charged %s %s/%s: %w", schema.GroupResource{Group: ch.Group, Resource: ch.Resource}, ch.Namespace, ch.Name, err)
	}
	return ch.UID == "" || obj.UID == ch.UID, nil
}

// addLimited adds to dst the quantities of src whose names limits has.
func addLimited(dst, src, limits corev1.ResourceList) {
	for name, v := range src {
		if _, ok := limits[name]; !ok {
			continue
		}
		cur := dst[name]
		cur.Add(v)
		dst[name] = cur
	}
}

// pendingRecheck is how soon the reconciler looks again at a quota with
// uncounted charges: their objects are normally stored milliseconds after
// admission.
const pendingRecheck = time.Second

// conflictRecheck is the delay before a recount that lost a race with
// admission is tried again, should the quota's watch event not come first.
const conflictRecheck = 100 * time.Millisecond

// ResourceQuotaReconciler keeps the status of each quota.kubesphere.io
// ResourceQuota: total and per-namespace usage of the namespaces its
// selector matches.
//
// Usage is computed by Kubernetes itself: the reconciler keeps a native
// ResourceQuota (a meter, QuotaMeterName) with the same hard limits in every
// selected namespace, and kube-controller-manager's quota controller and the
// API server's quota admission keep each meter's used figures exactly as
// they do for any ResourceQuota. The status sums them. A meter's limit equal
// to the whole quota also bounds each namespace alone, which no namespace of
// the set may exceed anyway.
//
// Admission (package webhooks) records each create it lets through as a
// pending charge (QuotaPendingChargesAnnotation) and decides against
// status.total.used plus the pending charges. The reconciler settles them:
// it reads the quota, the charged objects and the meters live (CountQuota),
// writes status.total.used first and only then removes the settled and
// expired charges from the record. In between, a settled charge is counted
// twice, which may refuse a create briefly but never admits one too many;
// the reverse order would leave a moment in which a counted object is in
// neither figure. Both writes carry the resourceVersion read, so a charge
// recorded meanwhile makes the reconciler start over. It looks again every
// second while charges are pending. Nothing depends on managed fields or on
// what the manager's cache keeps of the quota.
type ResourceQuotaReconciler struct {
	Common
	// APIReader reads the quota, the charged objects and the meters
	// uncached; nil means the manager's API reader.
	APIReader client.Reader
}

// SetupWithManager registers the reconciler with mgr.
func (r *ResourceQuotaReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspacequota").
		For(&quotav1alpha2.ResourceQuota{}, r.watchFilter()).
		Owns(&corev1.ResourceQuota{}).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.allQuotas)).
		WithOptions(options).
		Complete(r)
}

func (r *ResourceQuotaReconciler) allQuotas(ctx context.Context, _ client.Object) []reconcile.Request {
	var list quotav1alpha2.ResourceQuotaList
	if err := r.Client.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list resource quotas for a changed namespace")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		if q := &list.Items[i]; r.filtered(q) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: q.Name}})
		}
	}
	return out
}

// Reconcile implements reconcile.Reconciler.
func (r *ResourceQuotaReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	// Live, for the pending charges and the resourceVersion both writes
	// below are conditional on.
	q := &quotav1alpha2.ResourceQuota{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, q); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !q.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	var nss corev1.NamespaceList
	if err := r.Client.List(ctx, &nss, client.MatchingLabelsSelector{Selector: labels.SelectorFromSet(q.Spec.Selector)}); err != nil {
		return reconcile.Result{}, fmt.Errorf("list selected namespaces: %w", err)
	}
	selected := map[string]bool{}
	for _, ns := range nss.Items {
		if ns.DeletionTimestamp.IsZero() {
			selected[ns.Name] = true
		}
	}
	for ns := range selected {
		meter := &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{
				Name:      QuotaMeterName(q.Name),
				Namespace: ns,
				Labels:    map[string]string{QuotaMeterLabel: q.Name, tenantv1beta1.ManagedLabel: "true"},
			},
			Spec: *q.Spec.Quota.DeepCopy(),
		}
		if err := controllerutil.SetControllerReference(q, meter, r.Scheme); err != nil {
			return reconcile.Result{}, err
		}
		if err := ensure.Object(ctx, r.Client, meter, r.fieldOwner()); err != nil {
			return reconcile.Result{}, err
		}
	}

	charges, err := PendingCharges(q)
	unreadable := err != nil
	if unreadable {
		// Admission refuses creates while the record cannot be read; drop
		// it after the recount (charges in it are lost, so a create in
		// flight may go uncounted until its object is counted).
		ctrl.LoggerFrom(ctx).Error(err, "dropping an unreadable pending-charge record")
	}
	count, err := CountQuota(ctx, r.APIReader, r.Client.RESTMapper(), q, charges, time.Now())
	if err != nil {
		return reconcile.Result{}, err
	}

	status := quotav1alpha2.ResourceQuotaStatus{
		Total: corev1.ResourceQuotaStatus{Hard: q.Spec.Quota.Hard.DeepCopy(), Used: corev1.ResourceList{}},
		// Required by KubeSphere's schema: an empty list, never null.
		Namespaces: []quotav1alpha2.ResourceQuotaStatusByNamespace{},
	}
	for i := range count.Meters {
		m := &count.Meters[i]
		if !selected[m.Namespace] {
			if err := r.Client.Delete(ctx, m); client.IgnoreNotFound(err) != nil {
				return reconcile.Result{}, fmt.Errorf("delete quota meter in %s: %w", m.Namespace, err)
			}
			continue
		}
		used := corev1.ResourceList{}
		for name := range q.Spec.Quota.Hard {
			v, ok := m.Status.Used[name]
			if !ok {
				v = resource.MustParse("0")
			}
			used[name] = v.DeepCopy()
			total := status.Total.Used[name]
			total.Add(v)
			status.Total.Used[name] = total
		}
		status.Namespaces = append(status.Namespaces, quotav1alpha2.ResourceQuotaStatusByNamespace{
			Namespace:           m.Namespace,
			ResourceQuotaStatus: corev1.ResourceQuotaStatus{Hard: q.Spec.Quota.Hard.DeepCopy(), Used: used},
		})
	}
	for name := range q.Spec.Quota.Hard {
		if _, ok := status.Total.Used[name]; !ok {
			status.Total.Used[name] = resource.MustParse("0")
		}
	}
	sort.Slice(status.Namespaces, func(i, j int) bool { return status.Namespaces[i].Namespace < status.Namespaces[j].Namespace })

	// First the recount, then the record: see the type's doc.
	if !apiequality.Semantic.DeepEqual(status, q.Status) {
		q.Status = status
		if err := r.Client.Status().Update(ctx, q, client.FieldOwner(r.fieldOwner())); err != nil {
			if apierrors.IsConflict(err) {
				// The quota changed (a charge recorded): its watch event
				// brings it back; the delay is a safety net.
				return reconcile.Result{RequeueAfter: conflictRecheck}, nil
			}
			return reconcile.Result{}, fmt.Errorf("update quota status: %w", err)
		}
	}
	if len(count.Settled) > 0 || unreadable {
		if err := r.prune(ctx, q, count.Settled); err != nil {
			return reconcile.Result{}, err
		}
	}
	if len(count.Uncounted) == 0 {
		return reconcile.Result{}, nil
	}
	// Again soon, and no later than just after the first expiry.
	next := pendingRecheck
	now := time.Now()
	for _, ch := range count.Uncounted {
		next = min(next, max(ch.Expires.Sub(now), 0)+conflictRecheck)
	}
	return reconcile.Result{RequeueAfter: next}, nil
}

// prune removes the charges settled from q's record (all of it when the
// record cannot be read). The status written before counts them, and no
// one else writes the status, so they may be removed from a newer version
// of q too.
func (r *ResourceQuotaReconciler) prune(ctx context.Context, q *quotav1alpha2.ResourceQuota, settled []string) error {
	first := true
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !first {
			if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(q), q); err != nil {
				return err
			}
		}
		first = false
		charges, err := PendingCharges(q)
		if err != nil {
			charges = nil
		}
		n := len(charges)
		for _, uid := range settled {
			delete(charges, uid)
		}
		if len(charges) == n && err == nil {
			return nil
		}
		base := q.DeepCopy()
		if err := SetPendingCharges(q, charges); err != nil {
			return err
		}
		return r.Client.Patch(ctx, q, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}), client.FieldOwner(r.fieldOwner()))
	})
	if err != nil {
		return fmt.Errorf("remove settled charges of quota %s: %w", q.Name, err)
	}
	return nil
}
