package bench

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

// nativeRBAC is a set of rbac.authorization.k8s.io objects: what the
// upstream RBAC authorizer decides from.
type nativeRBAC struct {
	roles               []*rbacv1.Role
	roleBindings        []*rbacv1.RoleBinding
	clusterRoles        []*rbacv1.ClusterRole
	clusterRoleBindings []*rbacv1.ClusterRoleBinding
}

// objects lists n for authz.NewFromObjects.
func (n *nativeRBAC) objects() []runtime.Object {
	out := make([]runtime.Object, 0, len(n.roles)+len(n.roleBindings)+len(n.clusterRoles)+len(n.clusterRoleBindings))
	for _, o := range n.roles {
		out = append(out, o)
	}
	for _, o := range n.roleBindings {
		out = append(out, o)
	}
	for _, o := range n.clusterRoles {
		out = append(out, o)
	}
	for _, o := range n.clusterRoleBindings {
		out = append(out, o)
	}
	return out
}

// upstream builds the Kubernetes RBAC authorizer over listers of n, the way
// kube-apiserver wires it over its informers' indexers.
func (n *nativeRBAC) upstream() (*rbac.RBACAuthorizer, error) {
	newIndexer := func() cache.Indexer {
		return cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	}
	roles, roleBindings, clusterRoles, clusterRoleBindings := newIndexer(), newIndexer(), newIndexer(), newIndexer()
	add := func(ix cache.Indexer, obj any) error {
		if err := ix.Add(obj); err != nil {
			return fmt.Errorf("index %T: %w", obj, err)
		}
		return nil
	}
	for _, o := range n.roles {
		if err := add(roles, o); err != nil {
			return nil, err
		}
	}
	for _, o := range n.roleBindings {
		if err := add(roleBindings, o); err != nil {
			return nil, err
		}
	}
	for _, o := range n.clusterRoles {
		if err := add(clusterRoles, o); err != nil {
			return nil, err
		}
	}
	for _, o := range n.clusterRoleBindings {
		if err := add(clusterRoleBindings, o); err != nil {
			return nil, err
		}
	}
	return rbac.New(
		&rbac.RoleGetter{Lister: rbaclisters.NewRoleLister(roles)},
		&rbac.RoleBindingLister{Lister: rbaclisters.NewRoleBindingLister(roleBindings)},
		&rbac.ClusterRoleGetter{Lister: rbaclisters.NewClusterRoleLister(clusterRoles)},
		&rbac.ClusterRoleBindingLister{Lister: rbaclisters.NewClusterRoleBindingLister(clusterRoleBindings)},
	), nil
}

// mirrorIAM turns iam objects into the native RBAC objects spherekit's
// tenancy controllers keep for them, with the controllers' own mapping
// (controllers.NativeMirror): a WorkspaceRoleBinding goes into every
// namespace labelled with its workspace. Namespaces are read for their
// workspace label; other kinds are refused.
func mirrorIAM(objs []runtime.Object) (*nativeRBAC, error) {
	wsNamespaces := map[string][]string{}
	for _, o := range objs {
		if ns, ok := o.(*corev1.Namespace); ok {
			if ws := ns.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
				wsNamespaces[ws] = append(wsNamespaces[ws], ns.Name)
			}
		}
	}
	n := &nativeRBAC{}
	add := func(native client.Object) {
		switch native := native.(type) {
		case *rbacv1.Role:
			n.roles = append(n.roles, native)
		case *rbacv1.RoleBinding:
			n.roleBindings = append(n.roleBindings, native)
		case *rbacv1.ClusterRole:
			n.clusterRoles = append(n.clusterRoles, native)
		case *rbacv1.ClusterRoleBinding:
			n.clusterRoleBindings = append(n.clusterRoleBindings, native)
		}
	}
	for i, o := range objs {
		switch o := o.(type) {
		case *corev1.Namespace:
		case *iamv1beta1.WorkspaceRoleBinding:
			for _, ns := range wsNamespaces[o.Labels[tenantv1beta1.WorkspaceLabel]] {
				native, _ := controllers.NativeMirror(o, ns)
				add(native)
			}
		case client.Object:
			native, ok := controllers.NativeMirror(o, "")
			if !ok {
				return nil, fmt.Errorf("object %d: cannot mirror a %T", i, o)
			}
			add(native)
		default:
			return nil, fmt.Errorf("object %d: cannot mirror a %T", i, o)
		}
	}
	return n, nil
}

// rule builds a resource rule from comma-separated lists; groups ",apps" is
// the core group and apps.
func rule(verbs, groups, resources string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{
		Verbs:         strings.Split(verbs, ","),
		APIGroups:     strings.Split(groups, ","),
		Resources:     strings.Split(resources, ","),
		ResourceNames: names,
	}
}

// urlRule builds a non-resource rule from comma-separated lists.
func urlRule(verbs, urls string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: strings.Split(verbs, ","), NonResourceURLs: strings.Split(urls, ",")}
}
