package controllers_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
)

// env is a control plane with kube-controller-manager (one simulated node),
// so the garbage collector removes owned objects, namespaces terminate and
// native ResourceQuotas get their usage. Every tenancy reconciler runs in
// its manager with the watch filter value filterValue, as one of several
// instances sharing a cluster would: the tests label what they want
// reconciled with labelled, and check that the rest is left alone.
var (
	env *testenv.Environment
	// az is the authorizer the RBAC mirrors check recorded creators with.
	az *authz.Authorizer
)

// filterValue is the reconcilers' Options.WatchFilterValue.
const filterValue = "controllers-test"

// Login limits short enough for a test to see a user blocked.
const (
	testFailureLimit   = 3
	testFailureWindow  = time.Hour
	testRecordsPerUser = 4
)

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M:       m,
		Options: testenv.Options{Nodes: 1},
		SetupIndexes: func(ctx context.Context, mgr ctrl.Manager) (err error) {
			az, err = authz.NewFromCache(ctx, mgr.GetCache(), authz.Options{NativeRBAC: true})
			return err
		},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{
				WatchFilterValue:    filterValue,
				Authorizer:          az,
				LoginFailureLimit:   testFailureLimit,
				LoginFailureWindow:  testFailureWindow,
				LoginRecordsPerUser: testRecordsPerUser,
				BcryptCost:          4,
			})
		},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) error {
			env = e
			return installBuiltinRoles(ctx, e.Client)
		},
	}))
}

// name returns a fresh DNS-label name with prefix, so tests sharing the
// cluster never collide.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// labelled returns l (copied) with the watch filter label of the
// reconcilers under test.
func labelled(l map[string]string) map[string]string {
	out := maps.Clone(l)
	if out == nil {
		out = map[string]string{}
	}
	out[controllers.WatchFilterLabel] = filterValue
	return out
}

// eventually is testenv.Eventually for a condition without an error.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}

// exists reports whether obj (with name and namespace set) exists, and
// reads it into obj when it does.
func exists(t *testing.T, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if err != nil && client.IgnoreNotFound(err) != nil {
		t.Fatalf("get %s: %v", client.ObjectKeyFromObject(obj), err)
	}
	return err == nil
}

// gone waits until obj no longer exists.
func gone(t *testing.T, obj client.Object, msg string, args ...any) {
	t.Helper()
	eventually(t, func() bool { return !exists(t, obj) }, msg, args...)
}

// create creates obj and deletes it (if still there) when the test ends.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

// update reads obj, applies change and writes it back, retrying conflicts
// with the reconcilers.
func update[T client.Object](t *testing.T, obj T, change func(T)) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return false, err
		}
		change(obj)
		if err := env.Client.Update(context.Background(), obj); err != nil {
			return false, err
		}
		return true, nil
	}, "update %s", client.ObjectKeyFromObject(obj))
}

// remove deletes obj, which must exist.
func remove(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Delete(context.Background(), obj))
}

// touch changes an annotation of obj, so its reconciler runs again.
func touch(t *testing.T, obj client.Object) {
	t.Helper()
	update(t, obj, func(o client.Object) {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a["controllers-test/touched"] = rand.String(6)
		o.SetAnnotations(a)
	})
}

// newProject makes a fresh namespace a project of ws, labelled for the
// reconcilers under test, with extra labels and annotations.
func newProject(t *testing.T, ws string, lbls, annotations map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: env.NewNamespace(t)}}
	update(t, ns, func(ns *corev1.Namespace) {
		maps.Copy(ns.Labels, labelled(lbls))
		if ws != "" {
			ns.Labels["kubesphere.io/workspace"] = ws
			// As KubeSphere marks its projects: the default project
			// BuiltinRoles target managed namespaces only.
			ns.Labels["kubesphere.io/managed"] = "true"
		}
		if len(annotations) > 0 && ns.Annotations == nil {
			ns.Annotations = map[string]string{}
		}
		maps.Copy(ns.Annotations, annotations)
	})
	return ns.Name
}

// isController reports whether owner controls obj.
func isController(obj, owner client.Object) bool {
	return metav1.IsControlledBy(obj, owner)
}

// userSubject is an RBAC subject naming a user.
func userSubject(user string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}
}

// subjectNames lists the kind/name of each subject, leaving out apiGroup,
// whose mirroring is being changed (issue 9).
func subjectNames(subjects []rbacv1.Subject) []string {
	out := make([]string, 0, len(subjects))
	for _, s := range subjects {
		out = append(out, s.Kind+"/"+s.Namespace+"/"+s.Name)
	}
	return out
}

// installBuiltinRoles installs the BuiltinRoles the reconcilers stamp into
// every workspace and project, as a host installs its defaults: an admin
// and a viewer role of each scope.
func installBuiltinRoles(ctx context.Context, c client.Client) error {
	all := []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
	view := []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}}}
	for _, r := range []struct {
		scope string
		role  client.Object
	}{
		{iamv1beta1.ScopeWorkspace, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: iamv1beta1.WorkspaceAdmin}, Rules: all}},
		{iamv1beta1.ScopeWorkspace, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "viewer"}, Rules: view}},
		{iamv1beta1.ScopeNamespace, &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: iamv1beta1.ProjectAdmin}, Rules: all}},
		{iamv1beta1.ScopeNamespace, &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer"}, Rules: view}},
	} {
		br, err := builtinRole(c.Scheme(), r.scope, r.role, metav1.LabelSelector{})
		if err != nil {
			return err
		}
		if err := c.Create(ctx, br); err != nil {
			return err
		}
	}
	return nil
}

// builtinRole returns a BuiltinRole of scope carrying role for the targets
// sel matches.
func builtinRole(scheme *runtime.Scheme, scope string, role client.Object, sel metav1.LabelSelector) (*iamv1beta1.BuiltinRole, error) {
	gvks, _, err := scheme.ObjectKinds(role)
	if err != nil {
		return nil, err
	}
	role.GetObjectKind().SetGroupVersionKind(gvks[0])
	raw, err := json.Marshal(role)
	if err != nil {
		return nil, err
	}
	return &iamv1beta1.BuiltinRole{
		ObjectMeta:     metav1.ObjectMeta{Name: scope + "-" + role.GetName() + "-" + rand.String(6), Labels: map[string]string{iamv1beta1.ScopeLabel: scope}},
		Role:           runtime.RawExtension{Raw: raw},
		TargetSelector: sel,
	}, nil
}
