package controllers

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// NativeMirror returns the native RBAC object the tenancy controllers keep
// for an iam role or binding, without the labels and the owner reference
// they add to it:
//
//	iam Role X (namespace N)            → Role kubesphere:iam:X in N
//	iam RoleBinding X (namespace N)     → RoleBinding kubesphere:iam:X in N
//	iam ClusterRole X                   → ClusterRole kubesphere:iam:X
//	iam ClusterRoleBinding X            → ClusterRoleBinding kubesphere:iam:X
//	GlobalRole X                        → ClusterRole kubesphere:iam:global:X
//	GlobalRoleBinding X                 → ClusterRoleBinding kubesphere:iam:global:X
//	WorkspaceRole X                     → ClusterRole kubesphere:iam:workspace:X
//	WorkspaceRoleBinding X, project P   → RoleBinding kubesphere:iam:workspace:X in P
//
// A WorkspaceRoleBinding is mirrored into each project of its workspace;
// project names the one to mirror into (it is ignored for other kinds). ok
// is false for any other object. It is the one mapping the reconcilers
// apply, exported so differential tests check the real thing.
//
// Subjects keep their kind and name. User and Group subjects get the API
// group native RBAC requires, rbac.authorization.k8s.io: KubeSphere writes
// iam.kubesphere.io there (its controllers and the ks-core chart's
// bindings), which the API server refuses in a native binding.
func NativeMirror(obj client.Object, project string) (native client.Object, ok bool) {
	clusterRoleRef := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
	}
	switch src := obj.(type) {
	case *iamv1beta1.Role:
		return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name), Namespace: src.Namespace}, Rules: nonNilRules(src.Rules)}, true
	case *iamv1beta1.RoleBinding:
		return &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name), Namespace: src.Namespace},
			Subjects:   nativeSubjects(src.Subjects),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: src.RoleRef.Kind, Name: mirrorName(src.RoleRef.Name)},
		}, true
	case *iamv1beta1.ClusterRole:
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name)}, Rules: nonNilRules(src.Rules)}, true
	case *iamv1beta1.ClusterRoleBinding:
		return &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: mirrorName(src.Name)},
			Subjects:   nativeSubjects(src.Subjects),
			RoleRef:    clusterRoleRef(mirrorName(src.RoleRef.Name)),
		}, true
	case *iamv1beta1.GlobalRole:
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: globalMirrorName(src.Name)}, Rules: nonNilRules(src.Rules)}, true
	case *iamv1beta1.GlobalRoleBinding:
		return &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: globalMirrorName(src.Name)},
			Subjects:   nativeSubjects(src.Subjects),
			RoleRef:    clusterRoleRef(globalMirrorName(src.RoleRef.Name)),
		}, true
	case *iamv1beta1.WorkspaceRole:
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: workspaceMirrorName(src.Name)}, Rules: nonNilRules(src.Rules)}, true
	case *iamv1beta1.WorkspaceRoleBinding:
		return &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: workspaceMirrorName(src.Name), Namespace: project},
			Subjects:   nativeSubjects(qualifiedSubjects(src.Subjects)),
			RoleRef:    clusterRoleRef(workspaceMirrorName(src.RoleRef.Name)),
		}, true
	}
	return nil, false
}

// nativeSubjects returns subjects as native RBAC accepts them: User and
// Group subjects in the rbac.authorization.k8s.io group, whichever group
// (iam.kubesphere.io or none) the iam binding names. subjects is not
// changed.
func nativeSubjects(subjects []rbacv1.Subject) []rbacv1.Subject {
	if subjects == nil {
		return nil
	}
	out := make([]rbacv1.Subject, len(subjects))
	for i, s := range subjects {
		if s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind {
			s.APIGroup = rbacv1.GroupName
		}
		out[i] = s
	}
	return out
}
