package webhooks_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/webhooks"
)

func secrets(n int64) corev1.ResourceList {
	return corev1.ResourceList{"count/secrets": *resource.NewQuantity(n, resource.DecimalSI)}
}

// quotaProject returns a fresh namespace with labels (a project when they
// name a workspace).
func quotaProject(t *testing.T, lbls map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{}
	ns.Name = env.NewNamespace(t)
	require.True(t, exists(t, ns))
	for k, v := range lbls {
		ns.Labels[k] = v
	}
	require.NoError(t, env.Client.Update(context.Background(), ns))
	return ns.Name
}

// newSecret creates a secret in ns and returns it (with the error).
func newSecret(ns string) (*corev1.Secret, error) {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "s-", Namespace: ns}}
	return s, env.Client.Create(context.Background(), s)
}

// TestQuotaAdmission creates secrets in projects under a workspace quota.
// No quota controller runs here: the quota's status is what each case
// writes, and admission's charges stay recorded.
func TestQuotaAdmission(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		hard int64
		// used is written to the quota's status; record, when set, is its
		// pending-charges annotation.
		used   int64
		record func(q *quotav1alpha2.ResourceQuota)
		// creates is how many secrets are created one after the other;
		// admitted how many of them get in.
		creates, admitted int
		// check looks at the quota afterwards.
		check func(t *testing.T, q *quotav1alpha2.ResourceQuota, admitted []*corev1.Secret)
	}{
		{name: "under the quota", hard: 3, creates: 2, admitted: 2,
			check: func(t *testing.T, q *quotav1alpha2.ResourceQuota, admitted []*corev1.Secret) {
				charges, err := controllers.PendingCharges(q)
				require.NoError(t, err)
				require.Len(t, charges, 2, "each admitted create is charged")
				byName := map[string]controllers.PendingCharge{}
				for _, ch := range charges {
					byName[ch.Name] = ch
				}
				for _, s := range admitted {
					ch, ok := byName[s.Name]
					require.True(t, ok, "a charge for %s", s.Name)
					assert.Equal(t, s.Namespace, ch.Namespace)
					assert.Equal(t, "secrets", ch.Resource)
					assert.Equal(t, s.UID, ch.UID, "the charge names the object the API server stored")
					v := ch.Resources["count/secrets"]
					assert.Equal(t, int64(1), v.Value())
					assert.True(t, ch.Expires.After(s.CreationTimestamp.Time), "the charge expires after the create")
				}
			}},
		{name: "pending charges count", hard: 1, creates: 2, admitted: 1},
		{name: "the status counts", hard: 2, used: 2, creates: 1, admitted: 0},
		{name: "an expired charge does not count", hard: 1, creates: 1, admitted: 1,
			record: func(q *quotav1alpha2.ResourceQuota) {
				require.NoError(t, controllers.SetPendingCharges(q, map[string]controllers.PendingCharge{"expired": {
					Namespace: "elsewhere", Resource: "secrets", Name: "old", Resources: secrets(1), Expires: metav1.NewTime(time.Now().Add(-time.Minute)),
				}}))
			},
			check: func(t *testing.T, q *quotav1alpha2.ResourceQuota, _ []*corev1.Secret) {
				charges, err := controllers.PendingCharges(q)
				require.NoError(t, err)
				assert.NotContains(t, charges, "expired", "it is dropped with the next charge")
				assert.Len(t, charges, 1)
			}},
		{name: "an unreadable record refuses", hard: 10, creates: 1, admitted: 0,
			record: func(q *quotav1alpha2.ResourceQuota) {
				q.Annotations[controllers.QuotaPendingChargesAnnotation] = "{not json"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := name("ws")
			ns := quotaProject(t, map[string]string{tenantv1beta1.WorkspaceLabel: ws})
			q := &quotav1alpha2.ResourceQuota{
				ObjectMeta: metav1.ObjectMeta{Name: ws, Annotations: map[string]string{}},
				Spec: quotav1alpha2.ResourceQuotaSpec{
					Selector: map[string]string{tenantv1beta1.WorkspaceLabel: ws},
					Quota:    corev1.ResourceQuotaSpec{Hard: secrets(tt.hard)},
				},
			}
			if tt.record != nil {
				tt.record(q)
			}
			create(t, q)
			q.Status = quotav1alpha2.ResourceQuotaStatus{
				Total:      corev1.ResourceQuotaStatus{Hard: secrets(tt.hard), Used: secrets(tt.used)},
				Namespaces: []quotav1alpha2.ResourceQuotaStatusByNamespace{{Namespace: ns, ResourceQuotaStatus: corev1.ResourceQuotaStatus{Hard: secrets(tt.hard), Used: secrets(tt.used)}}},
			}
			require.NoError(t, env.Client.Status().Update(ctx, q))
			waitCached(t, q, ns)

			var admitted []*corev1.Secret
			for i := range tt.creates {
				s, err := newSecret(ns)
				if i < tt.admitted {
					require.NoError(t, err, "create %d is admitted", i)
					admitted = append(admitted, s)
					continue
				}
				require.Error(t, err, "create %d is refused", i)
				assert.Contains(t, err.Error(), webhooks.QuotaWebhookName)
				if tt.record == nil {
					assert.True(t, apierrors.IsForbidden(err), "%v", err)
					assert.Contains(t, err.Error(), "exceeded workspace quota "+q.Name)
				}
			}
			var list corev1.SecretList
			require.NoError(t, env.Client.List(ctx, &list, client.InNamespace(ns)))
			assert.Len(t, list.Items, tt.admitted, "what was refused was not stored")
			require.True(t, exists(t, q))
			if tt.check != nil {
				tt.check(t, q, admitted)
			}
		})
	}
}

// TestQuotaAdmissionScope checks which creates the quota webhook judges:
// creates in projects of resources a quota limits. A namespace outside any
// workspace is not sent to it (each namespace's own meter still applies),
// nor are creates of what the quota does not limit.
func TestQuotaAdmissionScope(t *testing.T) {
	sel := map[string]string{"webhooks-test/quota": name("sel")}
	project := quotaProject(t, map[string]string{"webhooks-test/quota": sel["webhooks-test/quota"], tenantv1beta1.WorkspaceLabel: name("ws")})
	plain := quotaProject(t, sel)
	q := &quotav1alpha2.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: name("quota")},
		Spec:       quotav1alpha2.ResourceQuotaSpec{Selector: sel, Quota: corev1.ResourceQuotaSpec{Hard: secrets(0)}},
	}
	create(t, q)
	waitCached(t, q, project)
	_, err := newSecret(project)
	require.Error(t, err, "a secret in the project is refused")
	_, err = newSecret(plain)
	assert.NoError(t, err, "a namespace outside any workspace is not judged")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "cm-", Namespace: project}}
	assert.NoError(t, env.Client.Create(context.Background(), cm), "what the quota does not limit is not charged")
	require.True(t, exists(t, q))
	charges, err := controllers.PendingCharges(q)
	require.NoError(t, err)
	assert.Empty(t, charges)
}

// TestQuotaFailurePolicy checks the quota webhook's failure policy in the
// configuration and that SetupWithManager refuses one it does not know.
func TestQuotaFailurePolicy(t *testing.T) {
	for _, tt := range []struct {
		policy admissionregistrationv1.FailurePolicyType
		want   admissionregistrationv1.FailurePolicyType
	}{
		{"", admissionregistrationv1.Fail},
		{admissionregistrationv1.Fail, admissionregistrationv1.Fail},
		{admissionregistrationv1.Ignore, admissionregistrationv1.Ignore},
	} {
		cfg := webhooks.ValidatingWebhookConfiguration("ns", "svc", webhooks.Options{QuotaFailurePolicy: tt.policy})
		var got *admissionregistrationv1.ValidatingWebhook
		for i := range cfg.Webhooks {
			if cfg.Webhooks[i].Name == webhooks.QuotaWebhookName {
				got = &cfg.Webhooks[i]
			}
		}
		require.NotNil(t, got)
		require.NotNil(t, got.FailurePolicy)
		assert.Equal(t, tt.want, *got.FailurePolicy, "policy %q", tt.policy)
	}

	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	require.NoError(t, err)
	err = webhooks.SetupWithManager(context.Background(), mgr, webhooks.Options{QuotaFailurePolicy: "Sometimes"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "QuotaFailurePolicy")
}

// waitCached waits until the manager's cache, which the webhook lists
// quotas and reads namespaces from, holds q and namespace ns with its
// labels.
func waitCached(t *testing.T, q *quotav1alpha2.ResourceQuota, ns string) {
	t.Helper()
	ctx := context.Background()
	want := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ns}, want))
	eventually(t, func() bool {
		cached := &quotav1alpha2.ResourceQuota{}
		if err := env.Manager.GetCache().Get(ctx, client.ObjectKeyFromObject(q), cached); err != nil {
			return false
		}
		n := &corev1.Namespace{}
		if err := env.Manager.GetCache().Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
			return false
		}
		return maps.Equal(n.Labels, want.Labels)
	}, "the webhook's cache holds quota %s and namespace %s", q.Name, ns)
}
