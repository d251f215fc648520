package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/escalation"
)

// EscalationPath is where the iam role and binding webhook is served.
const EscalationPath = "/validate-iam-kubesphere-io-v1beta1-escalation"

// escalationResources are the iam kinds whose writes can grant permissions.
var escalationResources = []string{
	iamv1beta1.ResourceGlobalRoles, iamv1beta1.ResourceGlobalRoleBindings,
	iamv1beta1.ResourceWorkspaceRoles, iamv1beta1.ResourceWorkspaceRoleBindings,
	iamv1beta1.ResourceClusterRoles, iamv1beta1.ResourceClusterRoleBindings,
	iamv1beta1.ResourceRoles, iamv1beta1.ResourceRoleBindings,
}

// iamKinds makes an empty object of each iam role and binding kind.
var iamKinds = map[string]func() client.Object{
	"GlobalRole":           func() client.Object { return &iamv1beta1.GlobalRole{} },
	"GlobalRoleBinding":    func() client.Object { return &iamv1beta1.GlobalRoleBinding{} },
	"WorkspaceRole":        func() client.Object { return &iamv1beta1.WorkspaceRole{} },
	"WorkspaceRoleBinding": func() client.Object { return &iamv1beta1.WorkspaceRoleBinding{} },
	"ClusterRole":          func() client.Object { return &iamv1beta1.ClusterRole{} },
	"ClusterRoleBinding":   func() client.Object { return &iamv1beta1.ClusterRoleBinding{} },
	"Role":                 func() client.Object { return &iamv1beta1.Role{} },
	"RoleBinding":          func() client.Object { return &iamv1beta1.RoleBinding{} },
}

// newIAMObject returns an empty object of an iam role or binding kind.
func newIAMObject(kind string) (client.Object, bool) {
	n, ok := iamKinds[kind]
	if !ok {
		return nil, false
	}
	return n(), true
}

func setupEscalation(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	az := opts.Authorizer
	if az == nil {
		var err error
		az, err = authz.NewFromCache(ctx, mgr.GetCache(), authz.Options{NativeRBAC: true})
		if err != nil {
			return fmt.Errorf("tenancy webhooks: authorizer for escalation checks: %w", err)
		}
	}
	mgr.GetWebhookServer().Register(EscalationPath, &webhook.Admission{Handler: &escalationValidator{az: az, reader: mgr.GetClient()}})
	return nil
}

// escalationWebhook sends creates and updates of iam roles and bindings to
// the escalation webhook. It writes nothing.
func escalationWebhook(cc admissionregistrationv1.WebhookClientConfig) admissionregistrationv1.ValidatingWebhook {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	equivalent := admissionregistrationv1.Equivalent
	return admissionregistrationv1.ValidatingWebhook{
		Name:         "escalation.iam.kubesphere.io",
		ClientConfig: cc,
		// Writes at iam v1alpha2 arrive converted to v1beta1, the version
		// the handler decodes.
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{iamv1beta1.GroupName}, APIVersions: []string{"v1beta1"}, Resources: escalationResources},
		}},
		MatchPolicy:             &equivalent,
		FailurePolicy:           &fail,
		SideEffects:             &none,
		TimeoutSeconds:          &timeout,
		AdmissionReviewVersions: []string{"v1"},
	}
}

// escalationValidator applies Kubernetes' RBAC escalation rule to iam roles
// and bindings, for the user who sends the write (the AdmissionReview's
// userInfo): a role only with rules the user holds where the role applies
// (or the escalate verb on it), a binding only to a role whose permissions
// the user holds where it grants them (or the bind or escalate verb on it).
// It also guards the creator annotation, which the RBAC mirror trusts: a
// user may name only themselves as creator, unless they may impersonate
// the user they name.
type escalationValidator struct {
	az     *authz.Authorizer
	reader client.Reader
}

// syncWait bounds how long a request waits for the authorizer's first sync.
const syncWait = 5 * time.Second

func (v *escalationValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed("")
	}
	obj, ok := newIAMObject(req.Kind.Kind)
	if !ok || req.Kind.Group != iamv1beta1.GroupName {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("kind %s is not an iam role or binding", req.Kind))
	}
	if err := decodeRaw(req.Object.Raw, obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if problem := shapeProblem(req.Kind.Kind, obj); problem != "" {
		return admission.Denied(problem)
	}
	user := authz.User{Name: req.UserInfo.Username, Groups: req.UserInfo.Groups}
	if len(req.UserInfo.Extra) > 0 {
		user.Extra = make(map[string][]string, len(req.UserInfo.Extra))
		for k, val := range req.UserInfo.Extra {
			user.Extra[k] = val
		}
	}
	if user.Name == "" && len(user.Groups) == 0 {
		return admission.Denied("the request names no user")
	}
	var old client.Object
	if req.Operation == admissionv1.Update {
		old, _ = newIAMObject(req.Kind.Kind)
		if err := decodeRaw(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("old object: %w", err))
		}
	}
	wctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	if err := v.az.WaitForSync(wctx); err != nil {
		return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("the authorizer has not synced: %w", err))
	}
	if resp, done := v.checkCreator(ctx, user, obj, old); done {
		return resp
	}
	if old != nil && sameGrant(old, obj) {
		return admission.Allowed("grants nothing new")
	}
	res, err := escalation.Check(ctx, v.az, v.reader, user, obj)
	if err != nil {
		var ie *authz.InvalidError
		if errors.As(err, &ie) {
			return admission.Denied(err.Error())
		}
		return admission.Errored(http.StatusInternalServerError, err)
	}
	if !res.Allowed {
		return admission.Denied(res.Reason)
	}
	return admission.Allowed("")
}

// checkCreator refuses naming someone else as the creator, which the RBAC
// mirror re-checks, unless the user may impersonate them.
func (v *escalationValidator) checkCreator(ctx context.Context, user authz.User, obj, old client.Object) (admission.Response, bool) {
	creator := obj.GetAnnotations()[tenantv1beta1.CreatorAnnotation]
	if creator == "" || creator == user.Name {
		return admission.Response{}, false
	}
	if old != nil && old.GetAnnotations()[tenantv1beta1.CreatorAnnotation] == creator {
		return admission.Response{}, false
	}
	if isSuperuser(user) {
		return admission.Response{}, false
	}
	d, err := v.az.Authorize(ctx, authz.Attributes{User: user, Verb: "impersonate", Resource: "users", Name: creator, Scope: authz.ScopeCluster})
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err), true
	}
	if !d.Allowed {
		return admission.Denied(fmt.Sprintf("metadata.annotations[%s]: user %q may name only themselves as creator, not %q", tenantv1beta1.CreatorAnnotation, user.Name, creator)), true
	}
	return admission.Response{}, false
}

func isSuperuser(u authz.User) bool {
	for _, g := range u.Groups {
		if g == escalation.SuperuserGroup {
			return true
		}
	}
	return false
}

// sameGrant reports whether an update leaves what obj grants as it was: the
// same rules and aggregation for a role; the same role, subjects and
// workspace for a binding. Metadata-only updates (finalizers, annotations
// other than the creator and the rego override) then need no escalation
// check.
func sameGrant(old, obj client.Object) bool {
	if old.GetLabels()[tenantv1beta1.WorkspaceLabel] != obj.GetLabels()[tenantv1beta1.WorkspaceLabel] ||
		old.GetAnnotations()[tenantv1beta1.CreatorAnnotation] != obj.GetAnnotations()[tenantv1beta1.CreatorAnnotation] ||
		old.GetAnnotations()[iamv1beta1.RegoOverrideAnnotation] != obj.GetAnnotations()[iamv1beta1.RegoOverrideAnnotation] {
		return false
	}
	before, err := grantOf(old)
	if err != nil {
		return false
	}
	after, err := grantOf(obj)
	return err == nil && apiequality.Semantic.DeepEqual(before, after)
}

// grantOf is what an iam role or binding grants: the fields of its JSON
// form that say so (rules and aggregationRoleTemplates of a role; roleRef
// and subjects of a binding).
func grantOf(o client.Object) (map[string]any, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, f := range []string{"rules", "aggregationRoleTemplates", "roleRef", "subjects"} {
		out[f] = u[f]
	}
	return out, nil
}
