package webhooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

var (
	readSecrets = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}
	// writeIAM lets a user write every iam role and binding as far as
	// native RBAC goes, so only the webhook can stop an escalation.
	writeIAM = rbacv1.PolicyRule{APIGroups: []string{iamv1beta1.GroupName}, Verbs: []string{"create", "update", "get"},
		Resources: []string{"globalroles", "globalrolebindings", "workspaceroles", "workspacerolebindings", "clusterroles", "clusterrolebindings", "roles", "rolebindings"}}
	everything = rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}
)

func iamRef(kind, name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: name}
}

// refused reports whether err is the escalation webhook's refusal.
func refusedByEscalation(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(err), "refused by admission: %v", err)
	assert.Contains(t, err.Error(), "escalation.iam.kubesphere.io")
}

// TestEscalationWebhook writes each iam kind the webhook guards as users
// that may write iam objects (native RBAC) but hold different
// permissions: Kubernetes' escalation rule decides. A user who holds what
// the object grants, or has the escalate (roles) or bind (bindings) verb
// on it, may write it; another user may not. The kubesphere.io/creator
// annotation may name only the writer, or a user the writer may
// impersonate.
func TestEscalationWebhook(t *testing.T) {
	ctx := context.Background()
	ws := name("ws")
	ns := env.NewNamespace(t)

	// Roles to bind, written by the administrator (system:masters, whom
	// the rule lets write anything).
	roles := map[string]client.Object{
		"GlobalRole":    &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name("gr")}, Rules: readSecrets},
		"ClusterRole":   &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("cr")}, Rules: readSecrets},
		"WorkspaceRole": &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name("wr"), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}, Rules: readSecrets},
		"Role":          &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("r"), Namespace: ns}, Rules: readSecrets},
	}
	for _, r := range roles {
		create(t, r)
	}
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name("target")}}
	kinds := []struct {
		kind     string
		resource string
		// new returns a fresh object of the kind granting readSecrets.
		new func() client.Object
	}{
		{"GlobalRole", "globalroles", func() client.Object {
			return &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name("gr")}, Rules: readSecrets}
		}},
		{"ClusterRole", "clusterroles", func() client.Object {
			return &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("cr")}, Rules: readSecrets}
		}},
		{"WorkspaceRole", "workspaceroles", func() client.Object {
			return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name("wr"), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}, Rules: readSecrets}
		}},
		{"Role", "roles", func() client.Object {
			return &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("r"), Namespace: ns}, Rules: readSecrets}
		}},
		{"GlobalRoleBinding", "globalroles", func() client.Object {
			return &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("grb")}, Subjects: subjects, RoleRef: iamRef("GlobalRole", roles["GlobalRole"].GetName())}
		}},
		{"ClusterRoleBinding", "clusterroles", func() client.Object {
			return &iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("crb")}, Subjects: subjects, RoleRef: iamRef("ClusterRole", roles["ClusterRole"].GetName())}
		}},
		{"WorkspaceRoleBinding", "workspaceroles", func() client.Object {
			return &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("wrb"), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}},
				Subjects: subjects, RoleRef: iamRef("WorkspaceRole", roles["WorkspaceRole"].GetName())}
		}},
		{"RoleBinding", "roles", func() client.Object {
			return &iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("rb"), Namespace: ns}, Subjects: subjects, RoleRef: iamRef("Role", roles["Role"].GetName())}
		}},
	}

	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			// The escalation verbs on the role kind: escalate lets one
			// write roles, bind lets one bind them.
			verbs := []string{"escalate", "bind"}
			tests := []struct {
				name    string
				rules   []rbacv1.PolicyRule
				creator func(user string) string
				allowed bool
			}{
				{name: "writer holding nothing", rules: []rbacv1.PolicyRule{writeIAM}, allowed: false},
				{name: "writer holding what it grants", rules: []rbacv1.PolicyRule{writeIAM, readSecrets[0]}, allowed: true},
				{name: "writer holding everything", rules: []rbacv1.PolicyRule{writeIAM, everything}, allowed: true},
				{name: "writer with escalate and bind", rules: []rbacv1.PolicyRule{writeIAM, {APIGroups: []string{iamv1beta1.GroupName}, Resources: []string{k.resource}, Verbs: verbs}}, allowed: true},
				{name: "writer names themselves as creator", rules: []rbacv1.PolicyRule{writeIAM, everything},
					creator: func(user string) string { return user }, allowed: true},
				{name: "writer names someone else as creator", rules: []rbacv1.PolicyRule{writeIAM, readSecrets[0]},
					creator: func(string) string { return "someone-else" }, allowed: false},
				{name: "writer who may impersonate names someone else", rules: []rbacv1.PolicyRule{writeIAM, readSecrets[0],
					{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"someone-else"}}},
					creator: func(string) string { return "someone-else" }, allowed: true},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					user := name("writer")
					c := userClient(t, user, tt.rules...)
					if strings.HasPrefix(k.kind, "Global") {
						// The platform scope is held through GlobalRoleBindings,
						// not native RBAC.
						grantGlobal(t, user, tt.rules)
					}
					obj := k.new()
					if tt.creator != nil {
						obj.SetAnnotations(map[string]string{tenantv1beta1.CreatorAnnotation: tt.creator(user)})
					}
					// The webhook's authorizer follows the cluster: the
					// writer's grant reaches it within moments. A refusal
					// is retried until then; an allowed write must come.
					var err error
					eventually(t, func() bool {
						err = c.Create(ctx, obj.DeepCopyObject().(client.Object))
						return (err == nil) == tt.allowed
					}, "create as %s: allowed %v (last error: %v)", tt.name, tt.allowed, lazyErr{&err})
					if tt.allowed {
						require.NoError(t, err)
						t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
						return
					}
					refusedByEscalation(t, err)
					assert.False(t, exists(t, obj), "nothing was written")
				})
			}
		})
	}
}

// TestEscalationWebhookUpdates checks updates: one that leaves what an
// object grants as it was passes whoever sends it; one that grants more
// (or changes the recorded creator) is judged like a create.
func TestEscalationWebhookUpdates(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	user := name("writer")
	c := userClient(t, user, writeIAM, readSecrets[0])
	holdsSecrets := func() bool {
		// Wait until the webhook knows the writer holds readSecrets.
		r := &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("probe"), Namespace: ns}, Rules: readSecrets}
		err := c.Create(ctx, r)
		return err == nil
	}
	eventually(t, holdsSecrets, "the webhook sees the writer's grant")

	readNodes := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}}
	withNodes := append([]rbacv1.PolicyRule{readNodes}, readSecrets...)
	tests := []struct {
		name string
		// rules are those of the role the administrator writes first.
		rules   []rbacv1.PolicyRule
		change  func(r *iamv1beta1.Role)
		allowed bool
	}{
		{"a label added to a role the writer could not write", withNodes, func(r *iamv1beta1.Role) { r.Labels = map[string]string{"team": "a"} }, true},
		{"a rule the writer holds added", []rbacv1.PolicyRule{readNodes}, func(r *iamv1beta1.Role) { r.Rules = readSecrets }, true},
		{"a rule the writer does not hold added", readSecrets, func(r *iamv1beta1.Role) { r.Rules = withNodes }, false},
		{"the creator changed to someone else", readSecrets, func(r *iamv1beta1.Role) {
			r.Annotations = map[string]string{tenantv1beta1.CreatorAnnotation: "someone-else"}
		}, false},
		{"the creator changed to the writer", readSecrets, func(r *iamv1beta1.Role) {
			r.Annotations = map[string]string{tenantv1beta1.CreatorAnnotation: user}
		}, true},
		// What a policy allows cannot be listed: holding the role's rules
		// is not enough to attach one.
		{"a rego override added to a role whose rules the writer holds", readSecrets, func(r *iamv1beta1.Role) {
			r.Annotations = map[string]string{iamv1beta1.RegoOverrideAnnotation: allowAll}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("r"), Namespace: ns}, Rules: tt.rules}
			create(t, r)
			got := &iamv1beta1.Role{}
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(r), got))
			tt.change(got)
			err := c.Update(ctx, got)
			if tt.allowed {
				require.NoError(t, err)
				return
			}
			refusedByEscalation(t, err)
		})
	}
}

// allowAll is a rego override that allows every request.
const allowAll = "package authz\ndefault allow = true\n"

// TestEscalationWebhookRegoOverride: a role carrying a rego override
// (iam.kubesphere.io/rego-override) can allow anything its policy says, so
// only a writer with the escalate verb on the role may write one, even if
// they hold every rule in it, for each role kind.
func TestEscalationWebhookRegoOverride(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	ws := name("ws")
	withOverride := map[string]string{iamv1beta1.RegoOverrideAnnotation: allowAll}
	kinds := []struct {
		resource string
		new      func() client.Object
	}{
		{"globalroles", func() client.Object {
			return &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name("gr"), Annotations: withOverride}, Rules: readSecrets}
		}},
		{"clusterroles", func() client.Object {
			return &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("cr"), Annotations: withOverride}, Rules: readSecrets}
		}},
		{"workspaceroles", func() client.Object {
			return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name("wr"), Annotations: withOverride,
				Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}, Rules: readSecrets}
		}},
		{"roles", func() client.Object {
			return &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("r"), Namespace: ns, Annotations: withOverride}, Rules: readSecrets}
		}},
	}
	// A role that aggregates a template with an override gets the
	// override from the aggregation controller: it is judged the same.
	tpl := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: name("tpl"), Annotations: withOverride}, Spec: iamv1beta1.RoleTemplateSpec{Rules: readSecrets}}
	require.NoError(t, env.Client.Create(ctx, tpl))
	t.Cleanup(func() { _ = env.Client.Delete(ctx, tpl) })
	aggregating := func(o client.Object) client.Object {
		o.SetAnnotations(nil)
		agg := &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{tpl.Name}}
		switch r := o.(type) {
		case *iamv1beta1.GlobalRole:
			r.AggregationRoleTemplates = agg
		case *iamv1beta1.ClusterRole:
			r.AggregationRoleTemplates = agg
		case *iamv1beta1.WorkspaceRole:
			r.AggregationRoleTemplates = agg
		case *iamv1beta1.Role:
			r.AggregationRoleTemplates = agg
		}
		return o
	}
	for _, form := range []struct {
		name  string
		shape func(client.Object) client.Object
	}{{"carrying an override", func(o client.Object) client.Object { return o }}, {"aggregating a template with one", aggregating}} {
		for _, k := range kinds {
			t.Run(form.name+"/"+k.resource, func(t *testing.T) {
				escalationOverrideCases(t, k.resource, func() client.Object { return form.shape(k.new()) })
			})
		}
	}
}

// escalationOverrideCases writes a role made by newRole, which carries a
// rego override or will once aggregated, as a writer holding its rules
// (refused) and as one with the escalate verb (allowed).
func escalationOverrideCases(t *testing.T, resource string, newRole func() client.Object) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		rules   []rbacv1.PolicyRule
		allowed bool
	}{
		{"writer holding every rule of the role", []rbacv1.PolicyRule{writeIAM, readSecrets[0]}, false},
		{"writer with escalate", []rbacv1.PolicyRule{writeIAM, readSecrets[0], {APIGroups: []string{iamv1beta1.GroupName}, Resources: []string{resource}, Verbs: []string{"escalate"}}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			user := name("writer")
			c := userClient(t, user, tt.rules...)
			if resource == "globalroles" {
				grantGlobal(t, user, tt.rules)
			}
			obj := newRole()
			var err error
			eventually(t, func() bool {
				err = c.Create(ctx, obj.DeepCopyObject().(client.Object))
				if !tt.allowed {
					// Refused for the override, not for want of the
					// rules, once the grant has arrived.
					return err != nil && strings.Contains(err.Error(), "rego override")
				}
				return err == nil
			}, "create as %s (last error: %v)", tt.name, lazyErr{&err})
			if tt.allowed {
				t.Cleanup(func() { _ = env.Client.Delete(ctx, obj) })
				return
			}
			refusedByEscalation(t, err)
			assert.False(t, exists(t, obj), "nothing was written")
		})
	}
}

// lazyErr prints the error *err holds when printed.
type lazyErr struct{ err *error }

func (e lazyErr) String() string { return fmt.Sprint(*e.err) }

// grantGlobal gives user rules on the platform through an iam GlobalRole
// and GlobalRoleBinding the administrator writes.
func grantGlobal(t *testing.T, user string, rules []rbacv1.PolicyRule) {
	t.Helper()
	n := name("global")
	create(t, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: n}, Rules: rules})
	create(t, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: n},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}, RoleRef: iamRef("GlobalRole", n)})
}
