package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
)

var (
	readPods  = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}
	readNodes = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}}}
)

// iamKind describes one iam kind the RBAC mirror turns into native RBAC,
// for tests that run the same steps over every kind.
type iamKind struct {
	kind string
	// new returns a fresh labelled source in ns (ignored by cluster-wide
	// kinds) granting or referring to role (bindings).
	new func(ns, role string) client.Object
	// binding: the kind of role the binding refers to.
	binding bool
}

// rules returns a pointer to the rules of an iam or native role.
func rules(o client.Object) *[]rbacv1.PolicyRule {
	switch r := o.(type) {
	case *iamv1beta1.GlobalRole:
		return &r.Rules
	case *iamv1beta1.ClusterRole:
		return &r.Rules
	case *iamv1beta1.WorkspaceRole:
		return &r.Rules
	case *iamv1beta1.Role:
		return &r.Rules
	case *rbacv1.ClusterRole:
		return &r.Rules
	case *rbacv1.Role:
		return &r.Rules
	}
	return nil
}

// binding returns pointers to the subjects and role reference of an iam or
// native binding.
func binding(o client.Object) (*[]rbacv1.Subject, *rbacv1.RoleRef) {
	switch b := o.(type) {
	case *iamv1beta1.GlobalRoleBinding:
		return &b.Subjects, &b.RoleRef
	case *iamv1beta1.ClusterRoleBinding:
		return &b.Subjects, &b.RoleRef
	case *iamv1beta1.WorkspaceRoleBinding:
		return &b.Subjects, &b.RoleRef
	case *iamv1beta1.RoleBinding:
		return &b.Subjects, &b.RoleRef
	case *rbacv1.ClusterRoleBinding:
		return &b.Subjects, &b.RoleRef
	case *rbacv1.RoleBinding:
		return &b.Subjects, &b.RoleRef
	}
	return nil, nil
}

func iamRef(kind, name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: name}
}

// mirroredKinds are the kinds RBACReconciler mirrors (WorkspaceRoleBinding
// is mirrored per project by NamespaceReconciler).
var mirroredKinds = []iamKind{
	{kind: "GlobalRole", new: func(_, n string) client.Object {
		return &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labelled(nil)}, Rules: readPods}
	}},
	{kind: "ClusterRole", new: func(_, n string) client.Object {
		return &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labelled(nil)}, Rules: readPods}
	}},
	{kind: "WorkspaceRole", new: func(_, n string) client.Object {
		return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labelled(nil)}, Rules: readPods}
	}},
	{kind: "Role", new: func(ns, n string) client.Object {
		return &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: ns, Labels: labelled(nil)}, Rules: readPods}
	}},
	{kind: "GlobalRoleBinding", binding: true, new: func(_, role string) client.Object {
		return &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("grb"), Labels: labelled(nil)},
			Subjects: []rbacv1.Subject{userSubject("alice")}, RoleRef: iamRef("GlobalRole", role)}
	}},
	{kind: "ClusterRoleBinding", binding: true, new: func(_, role string) client.Object {
		return &iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("crb"), Labels: labelled(nil)},
			Subjects: []rbacv1.Subject{userSubject("alice")}, RoleRef: iamRef("ClusterRole", role)}
	}},
	{kind: "RoleBinding", binding: true, new: func(ns, role string) client.Object {
		return &iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("rb"), Namespace: ns, Labels: labelled(nil)},
			Subjects: []rbacv1.Subject{userSubject("alice")}, RoleRef: iamRef("Role", role)}
	}},
}

// mirrorOf returns the (empty) native object that mirrors src.
func mirrorOf(t *testing.T, src client.Object) client.Object {
	t.Helper()
	native, ok := controllers.NativeMirror(src, "")
	require.True(t, ok, "%T has a native mirror", src)
	out := native.DeepCopyObject().(client.Object)
	return out
}

// mirrored says how the native mirror of src falls short: it must exist,
// be labelled managed, be controlled by src and hold what src grants.
func mirrored(t *testing.T, src client.Object) error {
	t.Helper()
	want := mirrorOf(t, src)
	got := want.DeepCopyObject().(client.Object)
	switch {
	case !exists(t, got):
		return errors.New("no mirror")
	case got.GetLabels()[tenantv1beta1.ManagedLabel] != "true":
		return errors.New("mirror not labelled managed")
	case !isController(got, src):
		return errors.New("mirror not controlled by its source")
	}
	if r := rules(want); r != nil {
		if !equality.Semantic.DeepEqual(*r, *rules(got)) {
			return fmt.Errorf("rules (-want +got):\n%s", cmp.Diff(*r, *rules(got)))
		}
		return nil
	}
	ws, wr := binding(want)
	gs, gr := binding(got)
	if *wr != *gr {
		return fmt.Errorf("roleRef (-want +got):\n%s", cmp.Diff(*wr, *gr))
	}
	if d := cmp.Diff(subjectNames(*ws), subjectNames(*gs)); d != "" {
		return fmt.Errorf("subjects (-want +got):\n%s", d)
	}
	return nil
}

// waitMirrored waits until src's native mirror holds what src grants.
func waitMirrored(t *testing.T, src client.Object, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		err := mirrored(t, src)
		return err == nil, err
	}, "%s", msg)
}

// TestRBACReconciler runs, for each iam kind, the life of its native
// mirror against the API server: it appears with the source's content,
// follows updates, is put back when edited or deleted by someone else, and
// goes with its source.
func TestRBACReconciler(t *testing.T) {
	steps := []struct {
		name string
		run  func(t *testing.T, src client.Object)
	}{
		{"update of the source", func(t *testing.T, src client.Object) {
			update(t, src, func(o client.Object) {
				if r := rules(o); r != nil {
					*r = append(*r, readNodes...)
					return
				}
				s, _ := binding(o)
				*s = append(*s, userSubject("bob"), rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "devs"})
			})
			waitMirrored(t, src, "the mirror follows the source")
		}},
		{"rules or subjects emptied", func(t *testing.T, src client.Object) {
			update(t, src, func(o client.Object) {
				if r := rules(o); r != nil {
					*r = []rbacv1.PolicyRule{} // a GlobalRole's rules are required
					return
				}
				s, _ := binding(o)
				*s = nil
			})
			waitMirrored(t, src, "the mirror is emptied too")
		}},
		{"mirror edited", func(t *testing.T, src client.Object) {
			update(t, mirrorOf(t, src), func(o client.Object) {
				if r := rules(o); r != nil {
					*r = readNodes
					return
				}
				s, _ := binding(o)
				*s = []rbacv1.Subject{userSubject("mallory")}
			})
			waitMirrored(t, src, "the edited mirror is put back")
		}},
		{"mirror deleted", func(t *testing.T, src client.Object) {
			m := mirrorOf(t, src)
			require.True(t, exists(t, m))
			uid := m.GetUID()
			remove(t, m)
			eventually(t, func() bool { return exists(t, m) && m.GetUID() != uid }, "the deleted mirror is created again")
			waitMirrored(t, src, "the new mirror")
		}},
		{"source deleted", func(t *testing.T, src client.Object) {
			remove(t, src)
			gone(t, mirrorOf(t, src), "the mirror goes with its source (garbage collector)")
		}},
	}
	for _, k := range mirroredKinds {
		t.Run(k.kind, func(t *testing.T) {
			ns := env.NewNamespace(t)
			for _, step := range steps {
				t.Run(step.name, func(t *testing.T) {
					src := k.new(ns, name("role"))
					create(t, src)
					waitMirrored(t, src, "created: the mirror appears")
					step.run(t, src)
				})
			}
		})
	}

	// Bindings whose roleRef is re-pointed: a native binding's roleRef
	// cannot change, yet the iam kinds allow it.
	for _, k := range mirroredKinds {
		if !k.binding {
			continue
		}
		t.Run(k.kind+"/roleRef changed", func(t *testing.T) {
			ns := env.NewNamespace(t)
			src := k.new(ns, name("role"))
			create(t, src)
			waitMirrored(t, src, "created")
			update(t, src, func(o client.Object) {
				_, ref := binding(o)
				ref.Name = name("other")
			})
			waitMirrored(t, src, "the mirror refers to the new role")
		})
	}
}

// TestRBACReconcilerMissingRole creates a project binding before its role:
// the binding is mirrored at once (native RBAC allows a binding to a role
// yet to come), and once the role appears its subject may do what it
// grants, enforced by the API server.
func TestRBACReconcilerMissingRole(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	user := name("user")
	role := name("reader")
	rb := &iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("rb"), Namespace: ns, Labels: labelled(nil)},
		Subjects: []rbacv1.Subject{userSubject(user)}, RoleRef: iamRef("Role", role)}
	create(t, rb)
	waitMirrored(t, rb, "a binding to a missing role is mirrored")
	may := func() bool {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               user,
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "list", Resource: "pods"},
		}}
		require.NoError(t, env.Client.Create(ctx, sar))
		return sar.Status.Allowed
	}
	assert.False(t, may(), "no role, no permission")

	r := &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: ns, Labels: labelled(nil)}, Rules: readPods}
	create(t, r)
	waitMirrored(t, r, "the role is mirrored")
	eventually(t, may, "the API server lets %s list pods in %s", user, ns)
}

// TestRBACReconcilerConflict creates iam roles whose native mirror's name
// is taken already. A native object nobody controls is adopted: the name
// prefix kubesphere:iam: belongs to the mirror. One another object
// controls is left as it is: an object has only one controller.
func TestRBACReconcilerConflict(t *testing.T) {
	ctx := context.Background()
	owner := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("owner")}}
	create(t, owner)

	// Controlled by someone else, then a plain one: the queue takes them in
	// order, so once the second is mirrored the first has had its turn.
	controlled := &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("controlled"), Labels: labelled(nil)}, Rules: readPods}
	taken := mirrorOf(t, controlled).(*rbacv1.ClusterRole)
	taken.Rules = readNodes
	taken.OwnerReferences = []metav1.OwnerReference{{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: owner.Name, UID: owner.UID, Controller: new(true)}}
	create(t, taken)

	unowned := &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("unowned"), Labels: labelled(nil)}, Rules: readPods}
	existing := mirrorOf(t, unowned).(*rbacv1.ClusterRole)
	existing.Labels = map[string]string{"team": "a"}
	existing.Rules = readNodes
	create(t, existing)

	create(t, controlled)
	create(t, unowned)
	waitMirrored(t, unowned, "an unowned object of the mirror's name is adopted")
	require.True(t, exists(t, existing))
	assert.Equal(t, "a", existing.Labels["team"], "its own labels are kept")

	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(taken), taken))
	assert.True(t, isController(taken, owner), "still controlled by its owner")
	assert.Equal(t, readNodes, taken.Rules, "its rules are untouched")
}
