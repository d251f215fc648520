package alerting_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/testenv"
)

// TestOnBehalfOfCoversEveryOperation: alice administers one namespace
// (downNamespace, where a target is down). Every way the Client's
// parameters let her reach out of it (another namespace, one that does not
// exist, the cluster and global scopes) is refused with
// tenancy.ErrForbidden and changes nothing; her own operations pass; and
// ListAlerts without a scope shows her her namespace's alerts and not the
// cluster's, which the administrator sees. Client's methods are enumerated
// by reflection, so a method added without rows here fails the test.
func TestOnBehalfOfCoversEveryOperation(t *testing.T) {
	ctx := context.Background()
	admin := newClient(t)
	mine, other := downNamespace, newNamespace(t)

	theirs := nsGroup(name("theirs"), nsRule("A", "up"))
	require.NoError(t, admin.SetRuleGroup(ctx, alerting.Namespace(other), theirs))
	t.Cleanup(func() { _ = admin.DeleteRuleGroup(ctx, alerting.Namespace(other), theirs.Name) })
	clusterGroup := &alertingv2beta1.ClusterRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: name("cl")}, Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{
		{Rule: alertingv2beta1.Rule{Alert: "ClusterAlways", Expr: intstr.FromString("vector(1)")}}}}}
	require.NoError(t, admin.SetRuleGroup(ctx, alerting.Cluster(), clusterGroup))
	t.Cleanup(func() { _ = admin.DeleteRuleGroup(ctx, alerting.Cluster(), clusterGroup.Name) })
	own := nsGroup(name("own"), nsRule("MineAlways", "vector(1)"))
	require.NoError(t, admin.SetRuleGroup(ctx, alerting.Namespace(mine), own))
	t.Cleanup(func() { _ = admin.DeleteRuleGroup(ctx, alerting.Namespace(mine), own.Name) })

	az, err := authz.NewFromObjects([]runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: mine}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "admin"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "alice-admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "admin"}},
	}...)
	require.NoError(t, err)
	alice, err := alerting.NewClient(env.Client, alerting.ClientOptions{Prometheus: prom.API(), OnBehalfOf: &authz.User{Name: "alice"}, Authorizer: az})
	require.NoError(t, err)

	type row struct {
		name string
		do   func() error
	}
	g := func(n string) *alertingv2beta1.RuleGroup { return nsGroup(n, nsRule("A", "up == 0")) }
	refused := []row{
		{"SetRuleGroup/another namespace", func() error { return alice.SetRuleGroup(ctx, alerting.Namespace(other), g(theirs.Name)) }},
		{"SetRuleGroup/a namespace that does not exist", func() error { return alice.SetRuleGroup(ctx, alerting.Namespace(name("ghost")), g("x")) }},
		{"SetRuleGroup/cluster", func() error {
			return alice.SetRuleGroup(ctx, alerting.Cluster(), &alertingv2beta1.ClusterRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: clusterGroup.Name},
				Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up")}}}}})
		}},
		{"SetRuleGroup/global", func() error {
			return alice.SetRuleGroup(ctx, alerting.Global(), &alertingv2beta1.GlobalRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g"},
				Spec: alertingv2beta1.GlobalRuleGroupSpec{Rules: []alertingv2beta1.GlobalRule{{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up")}}}}})
		}},
		{"DeleteRuleGroup/another namespace", func() error { return alice.DeleteRuleGroup(ctx, alerting.Namespace(other), theirs.Name) }},
		{"DeleteRuleGroup/cluster", func() error { return alice.DeleteRuleGroup(ctx, alerting.Cluster(), clusterGroup.Name) }},
		{"ListRuleGroups/another namespace", func() error {
			_, _, err := alice.ListRuleGroups(ctx, alerting.Namespace(other), resources.Query{})
			return err
		}},
		{"ListRuleGroups/global", func() error {
			_, _, err := alice.ListRuleGroups(ctx, alerting.Global(), resources.Query{})
			return err
		}},
		{"ListAlerts/cluster", func() error {
			_, err := alice.ListAlerts(ctx, alerting.ListAlertsOptions{Scope: ptrTo(alerting.Cluster())})
			return err
		}},
		{"ListAlerts/another namespace", func() error {
			_, err := alice.ListAlerts(ctx, alerting.ListAlertsOptions{Scope: ptrTo(alerting.Namespace(other))})
			return err
		}},
	}
	var visible []alerting.Alert
	allowed := []row{
		{"ListAlerts/everything she may see", func() error {
			var err error
			visible, err = alice.ListAlerts(ctx, alerting.ListAlertsOptions{})
			return err
		}},
		{"SetRuleGroup/her namespace", func() error { return alice.SetRuleGroup(ctx, alerting.Namespace(mine), g(own.Name)) }},
		{"ListRuleGroups/her namespace", func() error {
			_, _, err := alice.ListRuleGroups(ctx, alerting.Namespace(mine), resources.Query{})
			return err
		}},
		{"DeleteRuleGroup/her namespace", func() error {
			n := name("del")
			require.NoError(t, admin.SetRuleGroup(ctx, alerting.Namespace(mine), g(n)))
			return alice.DeleteRuleGroup(ctx, alerting.Namespace(mine), n)
		}},
	}

	method := func(r string) string { m, _, _ := strings.Cut(r, "/"); return m }
	typ := reflect.TypeFor[*alerting.Client]()
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		of := func(r row) bool { return method(r.name) == m }
		assert.True(t, slices.ContainsFunc(refused, of), "Client.%s has no refused row", m)
		assert.True(t, slices.ContainsFunc(allowed, of), "Client.%s has no allowed row", m)
	}

	// Wait until both alerts fire, as the administrator sees them; the
	// allowed rows list alice's alerts first, before her group changes.
	testenv.Eventually(t, func() (bool, error) {
		all, err := admin.ListAlerts(ctx, alerting.ListAlertsOptions{State: alerting.StateFiring})
		has := func(n string) bool {
			return slices.ContainsFunc(all, func(a alerting.Alert) bool { return a.Name == n })
		}
		return has("ClusterAlways") && has("MineAlways"), err
	}, "the administrator never saw both alerts fire")

	before := snapshot(t)
	for _, r := range refused {
		t.Run("refused/"+r.name, func(t *testing.T) {
			_, ok := typ.MethodByName(method(r.name))
			require.True(t, ok, "row for a method Client does not have")
			err := r.do()
			require.ErrorIs(t, err, tenancy.ErrForbidden)
			var fe *alerting.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "alice", fe.User)
		})
	}
	assert.Equal(t, before, snapshot(t), "refused calls changed rule groups")
	for _, r := range allowed {
		t.Run("allowed/"+r.name, func(t *testing.T) { require.NoError(t, r.do()) })
	}
	names := map[string]bool{}
	for _, a := range visible {
		names[a.Name] = true
		assert.Equal(t, alerting.Namespace(mine), a.Scope, "alice sees an alert outside her namespace: %v", a.Labels)
	}
	assert.True(t, names["MineAlways"], "alice does not see her namespace's alerts: %v", visible)
	assert.False(t, names["ClusterAlways"])
}

// snapshot is every rule group's key and resource version.
func snapshot(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, list := range []client.ObjectList{&alertingv2beta1.RuleGroupList{}, &alertingv2beta1.ClusterRuleGroupList{}, &alertingv2beta1.GlobalRuleGroupList{}} {
		require.NoError(t, env.Client.List(ctx, list))
		items, err := metaItems(list)
		require.NoError(t, err)
		for _, o := range items {
			out[o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out
}

func metaItems(list client.ObjectList) ([]metav1.Object, error) {
	var out []metav1.Object
	switch l := list.(type) {
	case *alertingv2beta1.RuleGroupList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *alertingv2beta1.ClusterRuleGroupList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *alertingv2beta1.GlobalRuleGroupList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	}
	return out, nil
}
