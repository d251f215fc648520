package webhooks_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy/webhooks"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane whose API server sends admission to
// the tenancy webhooks, served by its manager. No controllers run: what
// the webhooks decide and record is seen as they leave it (pending quota
// charges stay until they expire, since no quota controller settles them).
// The quota webhook's rules are the static ones, which cover secrets.
var env *testenv.Environment

// opts are the webhooks' options, for the handlers and the configuration.
var opts = webhooks.Options{StaticQuotaRules: true}

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		Options: testenv.Options{
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", opts)},
		},
		SetupWebhooks: func(ctx context.Context, mgr ctrl.Manager) error {
			return webhooks.SetupWithManager(ctx, mgr, opts)
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	}))
}

// name returns a fresh DNS-label name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// create creates obj as the administrator and deletes it when the test
// ends.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

// exists reports whether obj exists, reading it into obj.
func exists(t *testing.T, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if err != nil && client.IgnoreNotFound(err) != nil {
		t.Fatalf("get %s: %v", client.ObjectKeyFromObject(obj), err)
	}
	return err == nil
}

// eventually is testenv.Eventually for a condition without an error.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}

// userClient returns a client that authenticates as user (testenv's
// AddUser), who may do what rules grant cluster-wide through native RBAC.
func userClient(t *testing.T, user string, rules ...rbacv1.PolicyRule) client.Client {
	t.Helper()
	if len(rules) > 0 {
		n := name("grant")
		create(t, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: n}, Rules: rules})
		create(t, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: n},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: n}})
	}
	cfg, err := env.AddUser(user)
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	require.NoError(t, err)
	return c
}
