package webhooks

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// bindingShape is what each iam binding kind may refer to and whether it
// applies cluster-wide.
var bindingShape = map[string]struct {
	roleKinds   []string
	clusterWide bool
}{
	"GlobalRoleBinding":    {[]string{"GlobalRole"}, true},
	"ClusterRoleBinding":   {[]string{"ClusterRole"}, true},
	"WorkspaceRoleBinding": {[]string{"WorkspaceRole"}, true},
	"RoleBinding":          {[]string{"Role", "ClusterRole"}, false},
}

// shapeProblem reports what makes an iam binding unusable although
// KubeSphere's schema accepts it: a roleRef to a kind the binding cannot
// grant, or a ServiceAccount subject of a cluster-wide binding without a
// namespace (the native binding the RBAC mirror would write is refused by
// the API server). These rules were CEL rules of spherekit's CRDs before
// the CRDs were made to accept exactly what KubeSphere's accept; they live
// here now, in the escalation webhook. It returns "" for a usable object.
func shapeProblem(kind string, obj client.Object) string {
	shape, ok := bindingShape[kind]
	if !ok {
		return ""
	}
	var ref rbacv1.RoleRef
	var subjects []rbacv1.Subject
	switch b := obj.(type) {
	case *iamv1beta1.GlobalRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *iamv1beta1.ClusterRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *iamv1beta1.WorkspaceRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *iamv1beta1.RoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	default:
		return ""
	}
	known := false
	for _, k := range shape.roleKinds {
		known = known || ref.Kind == k
	}
	if !known {
		return fmt.Sprintf("roleRef.kind: a %s refers to a %v, not %q", kind, shape.roleKinds, ref.Kind)
	}
	if ref.Name == "" {
		return "roleRef.name: must not be empty"
	}
	for i, s := range subjects {
		if shape.clusterWide && s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
			return fmt.Sprintf("subjects[%d].namespace: a ServiceAccount subject of a %s names its namespace", i, kind)
		}
	}
	return ""
}
