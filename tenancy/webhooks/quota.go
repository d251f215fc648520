package webhooks

// Workspace quota admission.
//
// A create in a project is charged to every quota.kubesphere.io
// ResourceQuota whose selector matches the project and whose limits the
// object counts against. A charge is a PendingCharge recorded under the
// admission request's UID in the quota's QuotaPendingChargesAnnotation,
// written with the quota's resourceVersion (a JSON merge patch with
// optimistic lock): of two creates racing for the last unit, one write
// conflicts, reads again and is refused. The create fits when the quota's
// status.total.used plus every unexpired pending charge plus the object is
// within the limits. The quota controller removes a charge once the
// namespace's meter counts the object (controllers.ResourceQuotaReconciler
// says in which order, so nothing is ever counted in neither figure); when
// a create would be refused while charges are pending, admission first
// recounts live (controllers.CountQuota), since the status and the record
// may both count an object for a moment.
//
// A charge expires pendingChargeTTL after it is written. Validating
// webhooks of one request are called in parallel, each for at most 30 s
// (the API's limit on timeoutSeconds), and after them only the API server's
// own quota admission and the storage write remain: by then the object is
// stored, and counted by its meter, or the create was refused by a later
// step. The margin covers clock skew between the webhook server and the
// quota controller. The price of the bound is that units of a create
// another step refused after this one stay charged until it passes.
//
// Charges to several quotas are all or nothing: when a later quota refuses
// or cannot be charged, the earlier charges are removed again (best effort;
// one that cannot be removed expires). Conflicting writes are retried after
// a jittered, doubling delay, at most Options.QuotaRetries times and never
// beyond quotaBudget or the request's context. A dry-run request is checked
// but writes nothing, so the configuration declares SideEffects
// NoneOnDryRun.
//
// The meters are native ResourceQuotas, so the workspace quota is as exact
// as Kubernetes' own: kube-controller-manager's periodic recount can write
// a meter's usage from an informer that has not yet seen an object created
// a moment before, and until the next recount both Kubernetes' quota and
// this one count one object too few (kubernetes/kubernetes#123434).
//
// Only creates of resources some workspace quota limits reach the webhook:
// QuotaRules derives them from the quotas' resource names, and
// QuotaRulesReconciler keeps the configuration's rules current.
//
// The webhook server's identity needs get, list, watch and patch on
// resourcequotas.quota.kubesphere.io, list on the native resourcequotas,
// get on every resource a quota counts (the charged objects), and, for
// QuotaRulesReconciler, get, list, watch and update on
// validatingwebhookconfigurations.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/internal/usage"
)

// QuotaWebhookName is the name of the workspace-quota webhook in the
// configuration ValidatingWebhookConfiguration returns.
const QuotaWebhookName = "workspacequotas.quota.kubesphere.io"

const (
	// quotaTimeoutSeconds is the configuration's timeout of the quota
	// webhook.
	quotaTimeoutSeconds = 10
	// quotaBudget bounds the charges of one request, short of the timeout
	// by more than releaseTimeout: the API server gets an answer that says
	// why, charges of a refused create included.
	quotaBudget = (quotaTimeoutSeconds - 4) * time.Second
	// pendingChargeTTL is how long a charge counts (see above): the
	// longest a validating webhook may take, plus a margin.
	pendingChargeTTL = 30*time.Second + 10*time.Second
	// releaseTimeout bounds the removal of the charges of a refused create,
	// which runs even when the request's context has ended.
	releaseTimeout = 3 * time.Second
	// defaultQuotaRetries is Options.QuotaRetries' default.
	defaultQuotaRetries = 30
	// Conflicting writes back off from retryBase, doubling up to retryMax.
	retryBase = 5 * time.Millisecond
	retryMax  = 250 * time.Millisecond
)

// quotaOptions checks and defaults the quota fields of opts.
func quotaOptions(opts Options) (Options, error) {
	if opts.QuotaRetries < 0 {
		return opts, fmt.Errorf("tenancy webhooks: invalid Options.QuotaRetries: must not be negative")
	}
	if opts.QuotaRetries == 0 {
		opts.QuotaRetries = defaultQuotaRetries
	}
	switch opts.QuotaFailurePolicy {
	case "", admissionregistrationv1.Fail, admissionregistrationv1.Ignore:
	default:
		return opts, fmt.Errorf("tenancy webhooks: invalid Options.QuotaFailurePolicy %q: must be Fail or Ignore", opts.QuotaFailurePolicy)
	}
	return opts, nil
}

// setupQuota registers quota admission on mgr's webhook server and, unless
// opts.StaticQuotaRules, a QuotaRulesReconciler with mgr.
func setupQuota(mgr ctrl.Manager, opts Options) error {
	opts, err := quotaOptions(opts)
	if err != nil {
		return err
	}
	mgr.GetWebhookServer().Register(WorkspaceQuotaPath, &webhook.Admission{Handler: &quotaAdmission{
		client: mgr.GetClient(), reader: mgr.GetAPIReader(), mapper: mgr.GetRESTMapper(), retries: opts.QuotaRetries,
	}})
	if opts.StaticQuotaRules {
		return nil
	}
	return (&QuotaRulesReconciler{Client: mgr.GetClient()}).SetupWithManager(context.Background(), mgr, controller.Options{})
}

// quotaWebhook is the quota entry of the configuration.
func quotaWebhook(clientConfig admissionregistrationv1.WebhookClientConfig, opts Options) admissionregistrationv1.ValidatingWebhook {
	policy := admissionregistrationv1.Fail
	if opts.QuotaFailurePolicy == admissionregistrationv1.Ignore {
		policy = admissionregistrationv1.Ignore
	}
	sideEffects := admissionregistrationv1.SideEffectClassNoneOnDryRun
	timeout := int32(quotaTimeoutSeconds)
	return admissionregistrationv1.ValidatingWebhook{
		Name:         QuotaWebhookName,
		ClientConfig: clientConfig,
		Rules:        rulesFor(standardQuotaNames),
		// Only projects: namespaces that belong to a workspace.
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: tenantv1beta1.WorkspaceLabel, Operator: metav1.LabelSelectorOpExists,
		}}},
		FailurePolicy:           &policy,
		SideEffects:             &sideEffects,
		TimeoutSeconds:          &timeout,
		AdmissionReviewVersions: []string{"v1"},
	}
}

// standardQuotaNames are the quota names of Kubernetes' standard object
// counts; the resources they count (pods, services, claims, config maps,
// secrets, replication controllers, resource quotas) are the initial rules,
// and also cover every compute and storage limit.
var standardQuotaNames = []corev1.ResourceName{
	corev1.ResourcePods, corev1.ResourceServices, corev1.ResourcePersistentVolumeClaims, corev1.ResourceConfigMaps,
	corev1.ResourceSecrets, corev1.ResourceReplicationControllers, corev1.ResourceQuotas,
}

// chargedByCreate maps each quota name that a create charges besides the
// object counts (compute resources of pods, storage of claims) to the
// resource whose creates charge it, as usage.Created computes them.
var chargedByCreate = func() map[corev1.ResourceName]schema.GroupResource {
	one := resource.MustParse("1")
	all := corev1.ResourceList{corev1.ResourceCPU: one, corev1.ResourceMemory: one, corev1.ResourceEphemeralStorage: one}
	out := map[corev1.ResourceName]schema.GroupResource{}
	for name := range usage.PodSpec(&corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: all, Limits: all}}}}) {
		out[name] = schema.GroupResource{Resource: "pods"}
	}
	claim := &corev1.PersistentVolumeClaim{}
	claim.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: one}
	for name := range usage.Claim(claim) {
		out[name] = schema.GroupResource{Resource: "persistentvolumeclaims"}
	}
	return out
}()

// chargedResource returns the resource whose creates admission charges to
// the quota name: pods for compute resources (extended resources such as
// requests.nvidia.com/gpu and huge pages included), claims for
// requests.storage, and the counted resource of object counts. Names
// admission does not charge (services.loadbalancers, per-storage-class
// limits ...) have none; each project's meter still enforces them.
func chargedResource(name corev1.ResourceName) (schema.GroupResource, bool) {
	if gr, ok := chargedByCreate[name]; ok {
		return gr, true
	}
	if bare, ok := strings.CutPrefix(string(name), "requests."); ok && usage.IsExtendedResource(corev1.ResourceName(bare)) ||
		strings.HasPrefix(strings.TrimPrefix(string(name), "requests."), corev1.ResourceHugePagesPrefix) {
		return schema.GroupResource{Resource: "pods"}, true
	}
	gr, ok := usage.CountedResource(name)
	if !ok {
		return schema.GroupResource{}, false
	}
	// Only names a webhook rule can hold (no wildcards or subresources).
	if len(validation.IsDNS1123Label(gr.Resource)) > 0 || gr.Group != "" && len(validation.IsDNS1123Subdomain(gr.Group)) > 0 {
		return schema.GroupResource{}, false
	}
	return gr, true
}

// QuotaRules returns the rules of the quota webhook for quotas: creates of
// every namespaced resource that admission charges to a limit of a quota
// with a selector, grouped by API group, in a stable order. No quotas, no
// rules: nothing is intercepted.
func QuotaRules(quotas []quotav1alpha2.ResourceQuota) []admissionregistrationv1.RuleWithOperations {
	var names []corev1.ResourceName
	for _, q := range quotas {
		if len(q.Spec.Selector) == 0 {
			continue // admission skips it
		}
		for name := range q.Spec.Quota.Hard {
			names = append(names, name)
		}
	}
	return rulesFor(names)
}

func rulesFor(names []corev1.ResourceName) []admissionregistrationv1.RuleWithOperations {
	byGroup := map[string][]string{}
	for _, name := range names {
		gr, ok := chargedResource(name)
		if !ok || slices.Contains(byGroup[gr.Group], gr.Resource) {
			continue
		}
		byGroup[gr.Group] = append(byGroup[gr.Group], gr.Resource)
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	out := make([]admissionregistrationv1.RuleWithOperations, 0, len(groups))
	for _, g := range groups {
		resources := byGroup[g]
		sort.Strings(resources)
		out = append(out, admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{g}, APIVersions: []string{"*"}, Resources: resources,
				Scope: new(admissionregistrationv1.NamespacedScope),
			},
		})
	}
	return out
}

// QuotaRulesReconciler keeps the rules of the webhook QuotaWebhookName in
// a ValidatingWebhookConfiguration equal to QuotaRules of the existing
// workspace quotas, so only creates a quota limits are sent to admission.
// SetupWithManager (of the package) registers one unless
// Options.StaticQuotaRules.
//
// A quota created, or given a limit on a resource no quota limited before,
// is enforced across its projects once its rules are in place (like its
// usage, moments after it is written); until then each project's meter
// still bounds the project alone.
type QuotaRulesReconciler struct {
	// Client reads the quotas and the configuration (from the cache) and
	// updates the configuration.
	Client client.Client
	// ConfigurationName names the configuration; empty means
	// ConfigurationName.
	ConfigurationName string
}

func (r *QuotaRulesReconciler) configurationName() string {
	if r.ConfigurationName == "" {
		return ConfigurationName
	}
	return r.ConfigurationName
}

// SetupWithManager registers the reconciler with mgr. It watches the
// quotas' creation, deletion and spec changes, and the configuration.
func (r *QuotaRulesReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, opts controller.Options) error {
	name := r.configurationName()
	enqueue := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("workspacequota-webhook-rules").
		Watches(&quotav1alpha2.ResourceQuota{}, enqueue, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&admissionregistrationv1.ValidatingWebhookConfiguration{}, enqueue,
			builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetName() == name }))).
		WithOptions(opts).
		Complete(r)
}

// Reconcile implements reconcile.Reconciler.
func (r *QuotaRulesReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := r.Client.Get(ctx, req.NamespacedName, cfg); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	var quotas quotav1alpha2.ResourceQuotaList
	if err := r.Client.List(ctx, &quotas); err != nil {
		return reconcile.Result{}, fmt.Errorf("list workspace quotas: %w", err)
	}
	rules := QuotaRules(quotas.Items)
	changed := false
	for i := range cfg.Webhooks {
		w := &cfg.Webhooks[i]
		if w.Name == QuotaWebhookName && !apiequality.Semantic.DeepEqual(w.Rules, rules) {
			w.Rules = rules
			changed = true
		}
	}
	if !changed {
		return reconcile.Result{}, nil
	}
	if err := r.Client.Update(ctx, cfg); err != nil {
		return reconcile.Result{}, fmt.Errorf("update rules of webhook %s: %w", QuotaWebhookName, err)
	}
	return reconcile.Result{}, nil
}

// quotaAdmission charges creates in projects to their workspace quotas.
type quotaAdmission struct {
	client  client.Client // cached reads; writes
	reader  client.Reader // live reads
	mapper  meta.RESTMapper
	retries int
}

func (a *quotaAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Namespace == "" || req.SubResource != "" {
		return admission.Allowed("")
	}
	ns := &corev1.Namespace{}
	// The namespace and the list of quotas come from the cache; each quota
	// that applies is read live when it is charged.
	if err := a.client.Get(ctx, client.ObjectKey{Name: req.Namespace}, ns); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("get namespace: %w", err))
	}
	gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
	need, err := usage.Created(gr, req.Object.Raw)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var quotas quotav1alpha2.ResourceQuotaList
	if err := a.client.List(ctx, &quotas); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list workspace quotas: %w", err))
	}
	var applies []string
	for _, wq := range quotas.Items {
		if len(wq.Spec.Selector) == 0 || !labels.SelectorFromSet(wq.Spec.Selector).Matches(labels.Set(ns.Labels)) {
			continue
		}
		if len(limited(need, wq.Spec.Quota.Hard)) > 0 {
			applies = append(applies, wq.Name)
		}
	}
	if len(applies) == 0 {
		return admission.Allowed("")
	}
	sort.Strings(applies)
	// The API server has named the object and given it its uid before
	// validating admission.
	obj := &metav1.PartialObjectMetadata{}
	if err := decodeRaw(req.Object.Raw, obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if obj.Name == "" {
		obj.Name = req.Name
	}
	charge := controllers.PendingCharge{
		Namespace: req.Namespace, Group: gr.Group, Resource: gr.Resource, Name: obj.Name, UID: obj.UID, Resources: need,
	}
	dryRun := req.DryRun != nil && *req.DryRun

	work, cancel := context.WithTimeout(ctx, quotaBudget)
	defer cancel()
	key := string(req.UID)
	// Check every quota before charging any: a create one of them refuses
	// is then refused without a charge to undo, so contention on the
	// others stays at the creates that may pass. Creates racing past this
	// check are still caught by the charges below and undone.
	if !dryRun && len(applies) > 1 {
		for _, name := range applies {
			if denied, err := a.charge(work, name, key, charge, true); err != nil {
				return admission.Errored(http.StatusInternalServerError, err)
			} else if denied != "" {
				return admission.Denied(denied)
			}
		}
	}
	var charged []string
	for _, name := range applies {
		denied, err := a.charge(work, name, key, charge, dryRun)
		if err == nil && denied == "" {
			if !dryRun {
				charged = append(charged, name)
			}
			continue
		}
		a.release(ctx, charged, key)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		return admission.Denied(denied)
	}
	return admission.Allowed("")
}

// charge records ch under key on the quota named name when it fits (only
// checks, with dryRun), or returns why it does not fit.
func (a *quotaAdmission) charge(ctx context.Context, name, key string, ch controllers.PendingCharge, dryRun bool) (string, error) {
	need := ch.Resources
	for attempt := 1; ; attempt++ {
		wq := &quotav1alpha2.ResourceQuota{}
		if err := a.reader.Get(ctx, client.ObjectKey{Name: name}, wq); err != nil {
			if apierrors.IsNotFound(err) {
				return "", nil // deleted since the cache listed it
			}
			return "", fmt.Errorf("get workspace quota %s: %w", name, err)
		}
		if !wq.DeletionTimestamp.IsZero() {
			return "", nil
		}
		hard := wq.Spec.Quota.Hard
		ch.Resources = limited(need, hard)
		if len(ch.Resources) == 0 {
			return "", nil
		}
		charges, err := controllers.PendingCharges(wq)
		if err != nil {
			return "", err
		}
		now := time.Now()
		for uid, c := range charges {
			if !c.Expires.After(now) {
				delete(charges, uid) // no longer counts; dropped with this write
			}
		}
		used := wq.Status.Total.Used.DeepCopy()
		if used == nil {
			used = corev1.ResourceList{}
		}
		for _, c := range charges {
			addTo(used, limited(c.Resources, hard))
		}
		if msg := exceeds(name, hard, used, ch.Resources); msg != "" {
			if len(charges) == 0 {
				return msg, nil
			}
			// A charge the quota controller has just counted stays in the
			// record until it removes it: recount live before refusing.
			count, err := controllers.CountQuota(ctx, a.reader, a.mapper, wq, charges, now)
			if err != nil {
				return "", fmt.Errorf("count workspace quota %s: %w", name, err)
			}
			if msg := exceeds(name, hard, count.Used(), ch.Resources); msg != "" {
				return msg, nil
			}
		}
		if dryRun {
			return "", nil
		}
		base := wq.DeepCopy()
		ch.Expires = metav1.NewTime(now.Add(pendingChargeTTL))
		charges[key] = ch
		if err := controllers.SetPendingCharges(wq, charges); err != nil {
			return "", err
		}
		err = a.client.Patch(ctx, wq, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}),
			client.FieldOwner(controllers.QuotaAdmissionFieldOwner))
		switch {
		case err == nil:
			return "", nil
		case !apierrors.IsConflict(err):
			return "", fmt.Errorf("charge workspace quota %s: %w", name, err)
		case attempt >= a.retries:
			return "", fmt.Errorf("charge workspace quota %s: %d attempts lost to concurrent writes", name, attempt)
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return "", fmt.Errorf("charge workspace quota %s: %w", name, err)
		}
	}
}

// release removes the charges recorded under key from the quotas named,
// for a create refused after they were made. It runs on even when ctx has
// ended; a charge it cannot remove expires.
func (a *quotaAdmission) release(ctx context.Context, quotas []string, key string) {
	if len(quotas) == 0 {
		return
	}
	log := ctrl.LoggerFrom(ctx)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	for _, name := range quotas {
		err := retryConflicts(ctx, func() error {
			wq := &quotav1alpha2.ResourceQuota{}
			if err := a.reader.Get(ctx, client.ObjectKey{Name: name}, wq); err != nil {
				return client.IgnoreNotFound(err)
			}
			charges, err := controllers.PendingCharges(wq)
			if err != nil {
				return err
			}
			if _, ok := charges[key]; !ok {
				return nil
			}
			base := wq.DeepCopy()
			delete(charges, key)
			if err := controllers.SetPendingCharges(wq, charges); err != nil {
				return err
			}
			return a.client.Patch(ctx, wq, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}),
				client.FieldOwner(controllers.QuotaAdmissionFieldOwner))
		})
		if err != nil {
			log.Error(err, "release a workspace quota charge; it expires", "quota", name, "uid", key)
		}
	}
}

// retryConflicts calls write until it does not fail with a conflict,
// backing off as charges do, until ctx ends.
func retryConflicts(ctx context.Context, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if !apierrors.IsConflict(err) {
			return err
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return fmt.Errorf("%d attempts lost to concurrent writes: %w", attempt, err)
		}
	}
}

// exceeds returns why adding need to used goes beyond hard, or "".
func exceeds(quota string, hard, used, need corev1.ResourceList) string {
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, s := range names {
		n := corev1.ResourceName(s)
		limit, ok := hard[n]
		if !ok {
			continue
		}
		req, cur := need[n], used[n]
		sum := cur.DeepCopy()
		sum.Add(req)
		if sum.Cmp(limit) > 0 {
			return fmt.Sprintf("exceeded workspace quota %s: requested %s=%s, used %s=%s, limited %s=%s",
				quota, n, req.String(), n, cur.String(), n, limit.String())
		}
	}
	return ""
}

// limited returns the quantities of l whose names hard limits.
func limited(l, hard corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for n, v := range l {
		if _, ok := hard[n]; ok {
			out[n] = v.DeepCopy()
		}
	}
	return out
}

func addTo(dst, src corev1.ResourceList) {
	for n, v := range src {
		cur := dst[n]
		cur.Add(v)
		dst[n] = cur
	}
}

// backoff is the wait before attempt+1: doubling from retryBase up to
// retryMax, with jitter so racing admissions spread out.
func backoff(attempt int) time.Duration {
	d := retryMax
	if attempt < 16 {
		d = min(retryBase<<attempt, retryMax)
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
