package authz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/spherekit/spherekit/internal/apistatus"
)

// Annotations on a SubjectAccessReview sent to the Handler, for what the
// Kubernetes type has no field for.
const (
	// WorkspaceAnnotation names the workspace of a workspace-scoped question.
	WorkspaceAnnotation = "authz.spherekit.io/workspace"
	// ScopeAnnotation sets the scope (Global, Cluster, Workspace, Namespace).
	ScopeAnnotation = "authz.spherekit.io/scope"
)

// maxReviewBody bounds a request body the Handler reads.
const maxReviewBody = 1 << 20

// maxReviewItems bounds the questions in one list request.
const maxReviewItems = 1000

// HandlerOptions configure Handler.
type HandlerOptions struct {
	// Caller returns who sends a request, from the portal's own
	// authentication. Required: the Handler answers each caller about
	// themselves, and about anyone else only if the caller may create
	// subjectaccessreviews.authorization.k8s.io. An error, or a User
	// without a name, answers 401 Unauthorized.
	Caller func(*http.Request) (User, error)
}

// Handler answers SubjectAccessReview-style questions for portals: POST an
// authorization.k8s.io/v1 SubjectAccessReview, or a v1 List of them (at
// most 1000, in at most 1 MiB), and get it back with its status set.
// Workspace-scoped questions carry WorkspaceAnnotation (and ScopeAnnotation
// for Global). A denial's reason lists the subject's closest misses (see
// Explain).
//
// Who a question is about follows Kubernetes:
//
//   - A question about the caller (spec.user is the caller's name, or
//     spec.user is empty and spec.groups is empty or exactly the caller's
//     groups) is answered, like a SelfSubjectAccessReview, for the caller's
//     identity as opts.Caller returns it: spec.groups and spec.extra are
//     ignored. The answer's spec names that identity.
//   - A question about anyone else (another user, or groups that are not
//     the caller's) is answered as its spec says, like a
//     SubjectAccessReview, only if the caller may create
//     subjectaccessreviews.authorization.k8s.io at cluster scope; otherwise
//     the whole request is refused with 403 Forbidden, saying nothing about
//     the subject.
//
// Bodies are decoded strictly, as the API server does: an unknown or
// duplicated field answers 400 Bad Request. Every failure is a Kubernetes
// Status object. A nil opts.Caller is an *InvalidError.
func (az *Authorizer) Handler(opts HandlerOptions) (http.Handler, error) {
	if opts.Caller == nil {
		return nil, &InvalidError{Field: "Caller", Reason: "required: the Handler must know who asks, to answer callers only about themselves unless they may create subjectaccessreviews"}
	}
	return &reviewHandler{az: az, caller: opts.Caller}, nil
}

type reviewHandler struct {
	az     *Authorizer
	caller func(*http.Request) (User, error)
}

type reviewList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []authorizationv1.SubjectAccessReview `json:"items"`
}

func (h *reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "only POST is served")
		return
	}
	// Who asks comes first, as in the API server: an unauthenticated
	// request learns nothing, not even how its body parses.
	caller, err := h.caller(r)
	if err == nil && caller.Name == "" {
		err = errors.New("the caller has no name")
	}
	if err != nil {
		apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, err.Error())
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBody+1))
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("read body: %v", err))
		return
	}
	if len(body) > maxReviewBody {
		apistatus.WriteFailure(w, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxReviewBody))
		return
	}
	var tm metav1.TypeMeta
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, &tm); err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("decode body: %v", err))
		return
	}
	rv := &reviewer{az: h.az, ctx: r.Context(), caller: caller}
	switch tm.Kind {
	case "SubjectAccessReview":
		var sar authorizationv1.SubjectAccessReview
		if err := decodeStrict(body, &sar); err != nil {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("decode SubjectAccessReview: %v", err))
			return
		}
		if err := rv.review(&sar); err != nil {
			writeError(w, err)
			return
		}
		apistatus.WriteJSON(w, http.StatusCreated, &sar)
	case "List":
		var list reviewList
		if err := decodeStrict(body, &list); err != nil {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("decode List: %v", err))
			return
		}
		if len(list.Items) > maxReviewItems {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("%d questions; at most %d per request", len(list.Items), maxReviewItems))
			return
		}
		for i := range list.Items {
			if err := rv.review(&list.Items[i]); err != nil {
				writeError(w, fmt.Errorf("item %d: %w", i, err))
				return
			}
		}
		apistatus.WriteJSON(w, http.StatusOK, &list)
	default:
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("kind %q: send a SubjectAccessReview or a List of them", tm.Kind))
	}
}

// decodeStrict decodes JSON as the API server's strict decoding does:
// field names match case-sensitively, and unknown or duplicated fields are
// errors.
func decodeStrict(body []byte, v any) error {
	strict, err := sigsjson.UnmarshalStrict(body, v)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// errForbidden is a caller asking about someone else without the right to.
var errForbidden = errors.New("forbidden")

// reviewer answers the questions of one request for one caller.
type reviewer struct {
	az     *Authorizer
	ctx    context.Context
	caller User
	// mayAskOthers caches whether the caller may create
	// subjectaccessreviews; nil until asked.
	mayAskOthers *bool
}

func (rv *reviewer) review(sar *authorizationv1.SubjectAccessReview) error {
	s := &sar.Spec
	self := isSelf(s, &rv.caller)
	if !self {
		ok, err := rv.mayReviewOthers()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: subjectaccessreviews.authorization.k8s.io is forbidden: User %q cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope, which a question about another user or other groups needs", errForbidden, rv.caller.Name)
		}
	}
	a, err := reviewAttributes(sar)
	if err != nil {
		return err
	}
	if self {
		a.User = rv.caller
		s.User, s.Groups, s.Extra, s.UID = rv.caller.Name, rv.caller.Groups, nil, ""
		if len(rv.caller.Extra) > 0 {
			s.Extra = make(map[string]authorizationv1.ExtraValue, len(rv.caller.Extra))
			for k, v := range rv.caller.Extra {
				s.Extra[k] = v
			}
		}
	} else {
		a.User = User{Name: s.User, Groups: s.Groups}
		if len(s.Extra) > 0 {
			a.User.Extra = make(map[string][]string, len(s.Extra))
			for k, v := range s.Extra {
				a.User.Extra[k] = v
			}
		}
	}
	d, err := rv.az.Explain(rv.ctx, a)
	if err != nil {
		return err
	}
	sar.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.String()}
	return nil
}

// isSelf reports whether a question is about the caller: it names the
// caller, or names no user and either no groups or exactly the caller's.
func isSelf(s *authorizationv1.SubjectAccessReviewSpec, caller *User) bool {
	switch {
	case s.User == caller.Name:
		return true
	case s.User != "":
		return false
	case len(s.Groups) == 0:
		return true
	}
	want := make(map[string]bool, len(caller.Groups))
	for _, g := range caller.Groups {
		want[g] = true
	}
	asked := make(map[string]bool, len(s.Groups))
	for _, g := range s.Groups {
		if !want[g] {
			return false
		}
		asked[g] = true
	}
	return len(asked) == len(want)
}

// mayReviewOthers reports whether the caller may ask about others: may
// create subjectaccessreviews.authorization.k8s.io at cluster scope. It asks
// once per request.
func (rv *reviewer) mayReviewOthers() (bool, error) {
	if rv.mayAskOthers == nil {
		d, err := rv.az.Authorize(rv.ctx, Attributes{User: rv.caller, Verb: "create", APIGroup: authorizationv1.GroupName, Resource: "subjectaccessreviews", Scope: ScopeCluster})
		if err != nil {
			return false, err
		}
		rv.mayAskOthers = &d.Allowed
	}
	return *rv.mayAskOthers, nil
}

// reviewAttributes reads what a question asks, without who it is about.
func reviewAttributes(sar *authorizationv1.SubjectAccessReview) (Attributes, error) {
	s := &sar.Spec
	var a Attributes
	switch {
	case s.ResourceAttributes != nil && s.NonResourceAttributes != nil:
		return a, &InvalidError{Field: "spec", Reason: "set resourceAttributes or nonResourceAttributes, not both"}
	case s.ResourceAttributes != nil:
		ra := s.ResourceAttributes
		a.Verb, a.APIGroup, a.Resource, a.Subresource, a.Name, a.Namespace = ra.Verb, ra.Group, ra.Resource, ra.Subresource, ra.Name, ra.Namespace
		a.Workspace = sar.Annotations[WorkspaceAnnotation]
		a.Scope = Scope(sar.Annotations[ScopeAnnotation])
	case s.NonResourceAttributes != nil:
		a.Verb, a.NonResourcePath = s.NonResourceAttributes.Verb, s.NonResourceAttributes.Path
	default:
		return a, &InvalidError{Field: "spec", Reason: "resourceAttributes or nonResourceAttributes is required"}
	}
	return a, a.validate()
}

func writeError(w http.ResponseWriter, err error) {
	var ie *InvalidError
	switch {
	case errors.As(err, &ie):
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
	case errors.Is(err, errForbidden):
		apistatus.WriteFailure(w, http.StatusForbidden, metav1.StatusReasonForbidden, err.Error())
	default:
		apistatus.WriteFailure(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
	}
}
