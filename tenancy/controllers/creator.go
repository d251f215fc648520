package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/escalation"
)

// kubesphereSystemCreator is the kubesphere.io/creator KubeSphere records on
// the objects it ships and stamps itself.
const kubesphereSystemCreator = "system"

// creatorMayGrant reports whether the creator recorded on an iam role or
// binding (the kubesphere.io/creator annotation) may grant what it grants,
// by Kubernetes' escalation rule (tenancy/internal/escalation), as the
// admission webhook would have checked them. It is asked before a native
// mirror is first created, never of an existing one: like Kubernetes, a
// grant made by someone who later loses their rights stays. Without
// Options.Authorizer, or for an object with no recorded creator (written
// by the host itself, or admitted by the webhook for its real writer), it
// reports true; so it does for the creator "system", KubeSphere's mark on
// the roles it ships and stamps (its BuiltinRoles' project and workspace
// roles among them), which names no user. Writing that mark gets a writer
// no more than leaving the annotation out would.
func (r Common) creatorMayGrant(ctx context.Context, az *authz.Authorizer, obj client.Object) (bool, error) {
	creator := obj.GetAnnotations()[tenantv1beta1.CreatorAnnotation]
	if az == nil || creator == "" || creator == kubesphereSystemCreator {
		return true, nil
	}
	u := authz.User{Name: creator}
	user := &iamv1beta1.User{}
	switch err := r.Client.Get(ctx, client.ObjectKey{Name: creator}, user); {
	case err == nil:
		u.Groups = user.Spec.Groups
	case !apierrors.IsNotFound(err):
		return false, fmt.Errorf("get creator %q: %w", creator, err)
	}
	res, err := escalation.Check(ctx, az, r.Client, u, obj)
	if err != nil {
		return false, fmt.Errorf("check creator %q: %w", creator, err)
	}
	if !res.Allowed {
		ctrl.LoggerFrom(ctx).Info("not mirroring into native RBAC: its creator may not grant it", "creator", creator, "reason", res.Reason)
	}
	return res.Allowed, nil
}
