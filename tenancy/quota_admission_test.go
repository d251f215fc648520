package tenancy_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/webhooks"
)

const countSecrets corev1.ResourceName = "count/secrets"

// setSecretsQuota sets the quota of ws to n secrets and waits until the
// quota and the meter of each of its projects enforce n.
func setSecretsQuota(t *testing.T, ws string, projects []string, n int64) {
	t.Helper()
	ctx := context.Background()
	_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{countSecrets: *resource.NewQuantity(n, resource.DecimalSI)})
	require.NoError(t, err)
	enforces := func(l corev1.ResourceList) bool { v, ok := l[countSecrets]; return ok && v.Value() == n }
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metaName(ws)}
	eventually(t, func() bool {
		return exists(t, q) && enforces(q.Status.Total.Hard) && len(q.Status.Namespaces) == len(projects)
	}, "quota of %s counts %d projects with %d secrets", ws, len(projects), n)
	for _, p := range projects {
		meter := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(ws), Namespace: p}}
		eventually(t, func() bool { return exists(t, meter) && enforces(meter.Status.Hard) }, "meter in %s enforces %d", p, n)
	}
}

// waitSecretsAdmission waits until the API server sends creates of secrets
// in each project to quota admission (its rules follow the quotas): with a
// quota of zero, a dry-run create is refused by the webhook.
func waitSecretsAdmission(t *testing.T, ws string, projects []string) {
	t.Helper()
	setSecretsQuota(t, ws, projects, 0)
	for _, p := range projects {
		eventually(t, func() bool {
			err := env.Client.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Namespace: p}}, client.DryRunAll)
			return err != nil && strings.Contains(err.Error(), "exceeded workspace quota")
		}, "quota admission sees secrets in %s", p)
	}
}

// pendingCharges returns the charges recorded on the quota named.
func pendingCharges(t *testing.T, name string) map[string]controllers.PendingCharge {
	t.Helper()
	q := &quotav1alpha2.ResourceQuota{}
	require.NoError(t, env.Client.Get(context.Background(), client.ObjectKey{Name: name}, q))
	charges, err := controllers.PendingCharges(q)
	require.NoError(t, err)
	return charges
}

func usedSecrets(t *testing.T, name string) int64 {
	t.Helper()
	q := &quotav1alpha2.ResourceQuota{}
	require.NoError(t, env.Client.Get(context.Background(), client.ObjectKey{Name: name}, q))
	v := q.Status.Total.Used[countSecrets]
	return v.Value()
}

// TestWorkspaceQuotaAdmissionRace runs 50 creates racing for the last units
// of a workspace quota, spread over two projects, while the quota
// controller recounts. The manager's cache strips managed fields
// (resources.StripForCache, main_test.go), as hosts are told to configure
// it: the record of pending charges must not depend on them. Exactly the
// quota's worth is admitted and stored, and once Kubernetes has counted
// the secrets, no charge is left pending and the status counts them.
//
// The meters are native ResourceQuotas, and kube-controller-manager's
// periodic recount (every 10 s in testenv) can write a meter's usage from
// an informer that has not yet seen a secret created a moment before:
// Kubernetes' own quota then undercounts and admits one too many
// (kubernetes/kubernetes#123434), and so does a workspace quota built on
// it. A burst during which kube-controller-manager wrote a meter is
// therefore run again in a fresh workspace (up to three times); an
// over-admission in a burst it did not touch fails the test.
func TestWorkspaceQuotaAdmissionRace(t *testing.T) {
	const parallel = 50
	for _, hard := range []int64{1, 7} {
		t.Run(fmt.Sprintf("%d-race-for-%d", parallel, hard), func(t *testing.T) {
			for attempt := 1; ; attempt++ {
				recounted := quotaRaceBurst(t, parallel, hard, attempt == 3)
				if !recounted {
					return
				}
				t.Logf("burst %d: kube-controller-manager recounted a meter during it (kubernetes/kubernetes#123434); running it again", attempt)
			}
		})
	}
}

// quotaRaceBurst runs one burst of TestWorkspaceQuotaAdmissionRace in a
// fresh workspace. It reports whether kube-controller-manager wrote a
// meter's status during the burst and, if it did and last is false, checks
// nothing more; otherwise it checks that exactly hard secrets were admitted
// and stored and that the charges settle.
func quotaRaceBurst(t *testing.T, parallel int, hard int64, last bool) (recounted bool) {
	t.Helper()
	ctx := context.Background()
	ws := newWorkspace(t, "")
	projects := []string{newProject(t, ws, ""), newProject(t, ws, "")}
	waitSecretsAdmission(t, ws, projects)
	setSecretsQuota(t, ws, projects, hard)

	before := meterRecounts(t, ws, projects)
	admitted := raceSecrets(t, projects, parallel)
	if !maps.Equal(before, meterRecounts(t, ws, projects)) && !last {
		return true
	}
	assert.Equal(t, int(hard), admitted, "exactly the quota's worth is admitted")
	total := storedSecrets(t, projects)
	assert.Equal(t, int(hard), total, "stored")

	eventually(t, func() bool { return len(pendingCharges(t, ws)) == 0 && usedSecrets(t, ws) == int64(total) },
		"charges settled: status counts %d secrets, no charge pending", total)
	// Settled, the quota still refuses one more.
	err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "more-", Namespace: projects[0]}})
	assert.True(t, apierrors.IsForbidden(err), "full: %v", err)
	return false
}

// raceSecrets creates parallel secrets at once, spread over projects, and
// returns how many were admitted; each refusal must be a quota's.
func raceSecrets(t *testing.T, projects []string, parallel int) (admitted int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, parallel)
	start := make(chan struct{})
	for i := range parallel {
		wg.Go(func() {
			<-start
			errs[i] = env.Client.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "race-", Namespace: projects[i%len(projects)]}})
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			admitted++
			continue
		}
		assert.True(t, apierrors.IsForbidden(err), "refused by admission: %v", err)
		assert.True(t, strings.Contains(err.Error(), "exceeded workspace quota") || strings.Contains(err.Error(), "exceeded quota"), "%v", err)
	}
	return admitted
}

// storedSecrets counts the secrets in projects.
func storedSecrets(t *testing.T, projects []string) int {
	t.Helper()
	total := 0
	for _, p := range projects {
		var secrets corev1.SecretList
		require.NoError(t, env.Client.List(context.Background(), &secrets, inNamespace(p)))
		total += len(secrets.Items)
	}
	return total
}

// meterRecounts returns, per project, when kube-controller-manager last
// wrote the status of ws's meter there (its managed-fields entry, read
// live).
func meterRecounts(t *testing.T, ws string, projects []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range projects {
		meter := &corev1.ResourceQuota{}
		require.NoError(t, env.Client.Get(context.Background(), client.ObjectKey{Namespace: p, Name: controllers.QuotaMeterName(ws)}, meter))
		for _, f := range meter.ManagedFields {
			if strings.HasPrefix(f.Manager, "kube-controller-manager") && f.Subresource == "status" && f.Time != nil {
				out[p] = f.Time.UTC().Format(time.RFC3339)
			}
		}
	}
	return out
}

// TestWorkspaceQuotaDryRun checks that a dry-run create is checked against
// the workspace quota but charges nothing, and that the configuration
// declares so.
func TestWorkspaceQuotaDryRun(t *testing.T) {
	ctx := context.Background()
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: webhooks.ConfigurationName}, cfg))
	hook := quotaHook(t, cfg)
	require.NotNil(t, hook.SideEffects)
	assert.Equal(t, admissionregistrationv1.SideEffectClassNoneOnDryRun, *hook.SideEffects)

	ws := newWorkspace(t, "")
	projects := []string{newProject(t, ws, ""), newProject(t, ws, "")}
	waitSecretsAdmission(t, ws, projects)
	setSecretsQuota(t, ws, projects, 2)

	for range 3 {
		require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "dry-", Namespace: projects[0]}}, client.DryRunAll))
	}
	assert.Empty(t, pendingCharges(t, ws), "a dry run records no charge")
	assert.Zero(t, usedSecrets(t, ws))
	var secrets corev1.SecretList
	require.NoError(t, env.Client.List(ctx, &secrets, inNamespace(projects[0])))
	assert.Empty(t, secrets.Items)

	// One secret in each project fills the workspace, not either meter: a
	// dry run is refused by the workspace quota.
	for _, p := range projects {
		require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "real-", Namespace: p}}))
	}
	err := env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "dry-", Namespace: projects[0]}}, client.DryRunAll)
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(err), "%v", err)
	assert.Contains(t, err.Error(), "exceeded workspace quota "+ws)
}

// TestWorkspaceQuotaRefusalReleasesCharges checks that charges to several
// quotas are all or nothing: when the second quota refuses, the first
// carries no charge for the refused create.
func TestWorkspaceQuotaRefusalReleasesCharges(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	p := newProject(t, ws, "")
	waitSecretsAdmission(t, ws, []string{p})
	setSecretsQuota(t, ws, []string{p}, 100)
	// A second quota over the same project, charged after the first (by
	// name), with no room.
	second := &quotav1alpha2.ResourceQuota{
		ObjectMeta: metaName(ws + "-zz"),
		Spec: quotav1alpha2.ResourceQuotaSpec{
			Selector: map[string]string{tenantv1beta1.WorkspaceLabel: ws},
			Quota:    corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{countSecrets: resource.MustParse("0")}},
		},
	}
	require.NoError(t, env.Client.Create(ctx, second))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), second) })
	eventually(t, func() bool { return exists(t, second) && len(second.Status.Namespaces) == 1 }, "second quota counted")

	// Refused creates, one at a time and many at once: when each returns,
	// its charge to the first quota is gone already.
	for _, parallel := range []int{1, 1, 1, 1, 1, 1, 1, 1, 20, 20, 20, 20} {
		errs := make([]error, parallel)
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Go(func() {
				errs[i] = env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "refused-", Namespace: p}})
			})
		}
		wg.Wait()
		assert.Empty(t, pendingCharges(t, ws), "the first quota's charges are released")
		assert.Zero(t, usedSecrets(t, ws), "the first quota counts nothing")
		for _, err := range errs {
			require.Error(t, err)
			assert.True(t, apierrors.IsForbidden(err), "%v", err)
			assert.Contains(t, err.Error(), "exceeded workspace quota "+second.Name)
		}
	}
}

// TestWorkspaceQuotaWebhookRules checks that only creates of resources a
// workspace quota limits are sent to admission: the rules follow the
// quotas as they come and go.
func TestWorkspaceQuotaWebhookRules(t *testing.T) {
	ctx := context.Background()
	rules := func() []admissionregistrationv1.RuleWithOperations {
		cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: webhooks.ConfigurationName}, cfg))
		return quotaHook(t, cfg).Rules
	}
	covers := func(group, res string) bool {
		for _, r := range rules() {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, res) {
				return true
			}
		}
		return false
	}
	for _, r := range rules() {
		assert.NotContains(t, r.APIGroups, "*", "no wildcard rule")
		assert.NotContains(t, r.Resources, "*", "no wildcard rule")
	}
	assert.False(t, covers("batch", "cronjobs"), "no quota limits cron jobs yet")

	ws := newWorkspace(t, "")
	newProject(t, ws, "")
	q, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"count/cronjobs.batch": resource.MustParse("3"), "requests.cpu": resource.MustParse("1")})
	require.NoError(t, err)
	eventually(t, func() bool { return covers("batch", "cronjobs") && covers("", "pods") }, "rules for cron jobs and pods")
	eventually(t, func() bool {
		var quotas quotav1alpha2.ResourceQuotaList
		require.NoError(t, env.Client.List(ctx, &quotas))
		return cmp.Equal(webhooks.QuotaRules(quotas.Items), rules())
	}, "rules are those of the existing quotas")
	waitQuotaCounted(t, ws, 1)

	require.NoError(t, env.Client.Delete(ctx, q))
	eventually(t, func() bool { return !covers("batch", "cronjobs") }, "rules without cron jobs once no quota limits them")
}

func quotaHook(t *testing.T, cfg *admissionregistrationv1.ValidatingWebhookConfiguration) *admissionregistrationv1.ValidatingWebhook {
	t.Helper()
	for i := range cfg.Webhooks {
		if cfg.Webhooks[i].Name == webhooks.QuotaWebhookName {
			return &cfg.Webhooks[i]
		}
	}
	t.Fatalf("no webhook %s in %s", webhooks.QuotaWebhookName, cfg.Name)
	return nil
}

// TestQuotaRules checks which creates each kind of limit sends to
// admission.
func TestQuotaRules(t *testing.T) {
	quota := func(names ...corev1.ResourceName) quotav1alpha2.ResourceQuota {
		q := quotav1alpha2.ResourceQuota{Spec: quotav1alpha2.ResourceQuotaSpec{Selector: map[string]string{"a": "b"}, Quota: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{}}}}
		for _, n := range names {
			q.Spec.Quota.Hard[n] = resource.MustParse("1")
		}
		return q
	}
	type gr struct{ group, resource string }
	tests := []struct {
		name   string
		quotas []quotav1alpha2.ResourceQuota
		want   []gr
	}{
		{name: "none"},
		{name: "compute", quotas: []quotav1alpha2.ResourceQuota{quota("requests.cpu", "limits.memory", "cpu", "requests.ephemeral-storage")}, want: []gr{{"", "pods"}}},
		{name: "storage", quotas: []quotav1alpha2.ResourceQuota{quota("requests.storage")}, want: []gr{{"", "persistentvolumeclaims"}}},
		{name: "standard counts", quotas: []quotav1alpha2.ResourceQuota{quota("pods", "services", "secrets", "configmaps", "count/replicationcontrollers", "resourcequotas", "persistentvolumeclaims")},
			want: []gr{{"", "configmaps"}, {"", "persistentvolumeclaims"}, {"", "pods"}, {"", "replicationcontrollers"}, {"", "resourcequotas"}, {"", "secrets"}, {"", "services"}}},
		{name: "other counts, two quotas", quotas: []quotav1alpha2.ResourceQuota{quota("count/deployments.apps"), quota("count/jobs.batch", "count/deployments.apps", "count/widgets.example.com")},
			want: []gr{{"apps", "deployments"}, {"batch", "jobs"}, {"example.com", "widgets"}}},
		{name: "extended resources and huge pages", quotas: []quotav1alpha2.ResourceQuota{quota("requests.nvidia.com/gpu", "requests.hugepages-2Mi", "hugepages-1Gi")}, want: []gr{{"", "pods"}}},
		{name: "not charged by admission", quotas: []quotav1alpha2.ResourceQuota{quota("services.loadbalancers", "gold.storageclass.storage.k8s.io/requests.storage", "requests.example.kubernetes.io/thing", "count/", "count/a/b")}},
		{name: "no selector", quotas: []quotav1alpha2.ResourceQuota{{Spec: quotav1alpha2.ResourceQuotaSpec{Quota: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("1")}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []gr
			for _, r := range webhooks.QuotaRules(tt.quotas) {
				assert.Equal(t, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, r.Operations)
				require.Len(t, r.APIGroups, 1)
				require.NotNil(t, r.Scope)
				assert.Equal(t, admissionregistrationv1.NamespacedScope, *r.Scope)
				for _, res := range r.Resources {
					got = append(got, gr{r.APIGroups[0], res})
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(gr{})); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}
