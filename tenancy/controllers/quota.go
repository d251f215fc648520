package controllers

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
// (package webhooks) charges creates to a workspace quota's status.
const QuotaAdmissionFieldOwner = "spherekit-quota-admission"

// admissionGrace is how long after admission charged a quota the recount
// keeps the charged figures when they exceed what Kubernetes has counted:
// the charged object may not have reached the native quotas yet.
const admissionGrace = 5 * time.Second

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
type ResourceQuotaReconciler struct{ reconcilerBase }

func (r *ResourceQuotaReconciler) setup(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspacequota").
		For(&quotav1alpha2.ResourceQuota{}).
		Owns(&corev1.ResourceQuota{}).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.allQuotas)).
		WithOptions(r.opts.controllerOptions()).
		Complete(r)
}

func (r *ResourceQuotaReconciler) allQuotas(ctx context.Context, _ client.Object) []reconcile.Request {
	var list quotav1alpha2.ResourceQuotaList
	if err := r.Client.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list resource quotas for a changed namespace")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, q := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: q.Name}})
	}
	return out
}

// Reconcile implements reconcile.Reconciler.
func (r *ResourceQuotaReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	q := &quotav1alpha2.ResourceQuota{}
	if err := r.Client.Get(ctx, req.NamespacedName, q); err != nil {
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
		if err := ensure.Object(ctx, r.Client, meter, r.opts.FieldOwner); err != nil {
			return reconcile.Result{}, err
		}
	}

	var meters corev1.ResourceQuotaList
	if err := r.Client.List(ctx, &meters, client.MatchingLabels{QuotaMeterLabel: q.Name}); err != nil {
		return reconcile.Result{}, fmt.Errorf("list quota meters: %w", err)
	}
	status := quotav1alpha2.ResourceQuotaStatus{
		Total: corev1.ResourceQuotaStatus{Hard: q.Spec.Quota.Hard.DeepCopy(), Used: corev1.ResourceList{}},
	}
	for i := range meters.Items {
		m := &meters.Items[i]
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

	// Creates admission charged moments ago may not be counted by the
	// native quotas yet: keep the charged figures for a grace period, so a
	// recount in between cannot let another create past the limit.
	var requeue time.Duration
	if charged, ok := lastStatusWrite(q.ManagedFields, QuotaAdmissionFieldOwner); ok {
		if since := time.Since(charged); since < admissionGrace {
			for name, cur := range q.Status.Total.Used {
				if counted, ok := status.Total.Used[name]; ok && cur.Cmp(counted) > 0 {
					status.Total.Used[name] = cur.DeepCopy()
				}
			}
			requeue = admissionGrace - since + 100*time.Millisecond
		}
	}
	if apiequality.Semantic.DeepEqual(status, q.Status) {
		return reconcile.Result{RequeueAfter: requeue}, nil
	}
	q.Status = status
	if err := r.Client.Status().Update(ctx, q); err != nil {
		return reconcile.Result{}, fmt.Errorf("update quota status: %w", err)
	}
	return reconcile.Result{RequeueAfter: requeue}, nil
}

// lastStatusWrite returns when manager last wrote the status subresource.
func lastStatusWrite(fields []metav1.ManagedFieldsEntry, manager string) (time.Time, bool) {
	for _, f := range fields {
		if f.Manager == manager && f.Subresource == "status" && f.Time != nil {
			return f.Time.Time, true
		}
	}
	return time.Time{}, false
}
