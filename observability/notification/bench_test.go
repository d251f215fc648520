package notification_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// BenchmarkRouteToTenants routes 1,000 alerts of 100 namespaces on a
// platform of 10,000 users and 10,000 namespaces (100 workspaces of 100;
// every user holds KubeSphere's platform-regular GlobalRoleBinding, two
// users a role in each namespace, one a role in each workspace; every
// user has an email receiver), finding each namespace's tenants through
// authz.WhoCan (TenantsWhoSee) and through the anchor, listing every user
// and authorizing each. Both must give the same deliveries first.
func BenchmarkRouteToTenants(b *testing.B) {
	const users, namespaces, perWorkspace, alerts, alertNamespaces = 10_000, 10_000, 100, 1_000, 100
	ctx := context.Background()
	name := func(i int) string { return "user-" + strconv.Itoa(i) }
	ref := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	subject := func(n string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}}
	}
	view := []rbacv1.PolicyRule{{Verbs: []string{"get", "list"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	objs := []runtime.Object{
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-regular"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{"iam.kubesphere.io"}, Resources: []string{"users"}}}},
	}
	var receivers []notificationv2beta2.Receiver
	for i := range users {
		objs = append(objs, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name(i)}, Subjects: subject(name(i)), RoleRef: ref("GlobalRole", "platform-regular")})
		receivers = append(receivers, notificationv2beta2.Receiver{ObjectMeta: meta(name(i), "type", "tenant", "user", name(i)),
			Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{name(i) + "@example.com"}}}})
	}
	for w := range namespaces / perWorkspace {
		ws := "ws-" + strconv.Itoa(w)
		label := map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		objs = append(objs,
			&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ws + "-viewer", Labels: label}, Rules: view},
			&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ws + "-viewer", Labels: label}, Subjects: subject(name(w)), RoleRef: ref("WorkspaceRole", ws+"-viewer")})
	}
	for n := range namespaces {
		ns := "ns-" + strconv.Itoa(n)
		objs = append(objs,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws-" + strconv.Itoa(n/perWorkspace)}}},
			&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: ns}, Rules: view},
			&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns}, Subjects: subject(name(n)), RoleRef: ref("Role", "viewer")},
			&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: ns}, Subjects: subject(name((n * 7919) % users)), RoleRef: ref("Role", "viewer")})
	}
	az, err := authz.NewFromObjects(objs...)
	require.NoError(b, err)
	world := notification.Objects{Receivers: receivers}
	var batch []notification.Alert
	for i := range alerts {
		ns := "ns-" + strconv.Itoa((i%alertNamespaces)*97)
		batch = append(batch, notification.Alert{Status: notification.StatusFiring, StartsAt: time.Unix(0, 0),
			Labels: map[string]string{"alertname": "A" + strconv.Itoa(i), "namespace": ns, "rule_level": "namespace"}})
	}
	everyUser := func(_, namespace string) ([]string, error) {
		var out []string
		for i := range users {
			d, err := az.Authorize(ctx, authz.Attributes{User: authz.User{Name: name(i)}, Verb: "list", Resource: "namespaces", Namespace: namespace})
			if err != nil {
				return nil, err
			}
			if d.Allowed {
				out = append(out, name(i))
			}
		}
		slices.Sort(out)
		return out, nil
	}
	whoCan := notification.TenantsWhoSee(ctx, az)
	a, err := notification.Route(batch, world, notification.RouteOptions{Tenants: whoCan})
	require.NoError(b, err)
	k, err := notification.Route(batch, world, notification.RouteOptions{Tenants: everyUser})
	require.NoError(b, err)
	require.Equal(b, summary(a), summary(k), "both give the same deliveries")
	require.NotEmpty(b, a)

	for _, c := range []struct {
		name    string
		tenants func(string, string) ([]string, error)
	}{{"whocan", whoCan}, {"every-user", everyUser}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := notification.Route(batch, world, notification.RouteOptions{Tenants: c.tenants}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(alerts*b.N)/b.Elapsed().Seconds(), "alerts/s")
		})
	}
}
