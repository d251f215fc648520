package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	// Caller returns who sends a request (from the portal's own
	// authentication). When set, a caller may ask about themselves, and
	// about others only if az allows them to create
	// subjectaccessreviews.authorization.k8s.io. When nil, the Handler
	// answers every question: mount it only where callers are trusted.
	Caller func(*http.Request) (User, error)
}

// Handler answers SubjectAccessReview-style questions for portals: POST a
// authorization.k8s.io/v1 SubjectAccessReview, or a v1 List of them (at
// most 1000), and get it back with its status set. Workspace-scoped
// questions carry WorkspaceAnnotation (and ScopeAnnotation for Global). A
// denial's reason lists the user's closest misses (see Explain).
func (az *Authorizer) Handler(opts HandlerOptions) http.Handler {
	return &reviewHandler{az: az, opts: opts}
}

type reviewHandler struct {
	az   *Authorizer
	opts HandlerOptions
}

type reviewList struct {
	metav1.TypeMeta `json:",inline"`
	Items           []authorizationv1.SubjectAccessReview `json:"items"`
}

func (h *reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "only POST is served")
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
	if err := json.Unmarshal(body, &tm); err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("decode body: %v", err))
		return
	}
	var caller *User
	if h.opts.Caller != nil {
		u, err := h.opts.Caller(r)
		if err != nil {
			apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, err.Error())
			return
		}
		caller = &u
	}
	switch tm.Kind {
	case "SubjectAccessReview":
		var sar authorizationv1.SubjectAccessReview
		if err := json.Unmarshal(body, &sar); err != nil {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("decode SubjectAccessReview: %v", err))
			return
		}
		if err := h.review(r, caller, &sar); err != nil {
			writeError(w, err)
			return
		}
		apistatus.WriteJSON(w, http.StatusCreated, &sar)
	case "List":
		var list reviewList
		if err := json.Unmarshal(body, &list); err != nil {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("decode List: %v", err))
			return
		}
		if len(list.Items) > maxReviewItems {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("%d questions; at most %d per request", len(list.Items), maxReviewItems))
			return
		}
		for i := range list.Items {
			if err := h.review(r, caller, &list.Items[i]); err != nil {
				writeError(w, fmt.Errorf("item %d: %w", i, err))
				return
			}
		}
		apistatus.WriteJSON(w, http.StatusOK, &list)
	default:
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("kind %q: send a SubjectAccessReview or a List of them", tm.Kind))
	}
}

// errForbidden is a caller asking about someone else without the right to.
var errForbidden = errors.New("forbidden")

func (h *reviewHandler) review(r *http.Request, caller *User, sar *authorizationv1.SubjectAccessReview) error {
	a, err := reviewAttributes(sar)
	if err != nil {
		return err
	}
	if caller != nil && caller.Name != a.User.Name {
		d, err := h.az.Authorize(r.Context(), Attributes{User: *caller, Verb: "create", APIGroup: authorizationv1.GroupName, Resource: "subjectaccessreviews", Scope: ScopeCluster})
		if err != nil {
			return err
		}
		if !d.Allowed {
			return fmt.Errorf("%w: %s may only ask about themselves", errForbidden, caller.Name)
		}
	}
	d, err := h.az.Explain(r.Context(), a)
	if err != nil {
		return err
	}
	sar.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.String()}
	return nil
}

func reviewAttributes(sar *authorizationv1.SubjectAccessReview) (Attributes, error) {
	s := &sar.Spec
	u := User{Name: s.User, Groups: s.Groups}
	if len(s.Extra) > 0 {
		u.Extra = make(map[string][]string, len(s.Extra))
		for k, v := range s.Extra {
			u.Extra[k] = v
		}
	}
	if u.Name == "" && len(u.Groups) == 0 {
		return Attributes{}, &InvalidError{Field: "spec.user", Reason: "a user or groups are required"}
	}
	a := Attributes{User: u}
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
