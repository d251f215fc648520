package auditing

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/observability/logstore"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// InvalidError reports an option or input the package refuses, naming it
// and why; nothing was written when it is returned.
type InvalidError = fielderr.Invalid

// MaxSinkBody bounds one batch's body. The API server's batches hold at
// most --audit-webhook-batch-max-size events (400 by default).
const MaxSinkBody = 64 << 20

// SinkOptions configures NewSink.
type SinkOptions struct {
	// Store receives the records. Required.
	Store logstore.Store
	// Reader reads Namespaces for their workspace label. Required; make it
	// a manager's cache: the API server audits the reads of a client that
	// reaches it, so each batch would bring the audit events of the reads
	// it caused.
	Reader client.Reader
	// Token is the bearer token the API server must send, set as the token
	// of the user in its --audit-webhook-config-file. Required: records
	// name the namespace they belong to, so only the API server may write
	// them.
	Token string
	// Cluster is stamped on every record as its cluster field.
	Cluster string
}

// NewSink returns the http.Handler that kube-apiserver's audit webhook
// backend POSTs its batches to: audit.k8s.io/v1 EventLists in JSON. Each
// event is stamped with the workspace of the namespace it is about (read
// from the namespace's kubesphere.io/workspace label when the batch
// arrives; for a Workspace or WorkspaceTemplate, its name) and with
// SinkOptions.Cluster, and stored as one record (Record).
//
// The sink answers 200 only once the store has taken the whole batch, so
// the API server's retries cover a store that fails. A batch is refused
// whole before anything is written: 400 for a body that is not an
// EventList, 401 for a missing or wrong token, 405 for a method but POST,
// 413 above MaxSinkBody.
func NewSink(opts SinkOptions) (http.Handler, error) {
	switch {
	case opts.Store == nil:
		return nil, &InvalidError{Field: "Store", Reason: "required"}
	case opts.Reader == nil:
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	case opts.Token == "":
		return nil, &InvalidError{Field: "Token", Reason: "required"}
	}
	return &sink{opts: opts}, nil
}

type sink struct{ opts SinkOptions }

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "method "+r.Method+" is not allowed; POST audit.k8s.io/v1 EventLists")
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
		apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "the API server's bearer token is required")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxSinkBody+1))
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "read the body: "+err.Error())
		return
	}
	if len(body) > MaxSinkBody {
		apistatus.WriteFailure(w, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes; lower --audit-webhook-batch-max-size", MaxSinkBody))
		return
	}
	list, err := decodeEventList(body)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	records, err := s.records(r.Context(), list.Items)
	if err == nil {
		err = s.opts.Store.Write(r.Context(), records)
	}
	if err != nil {
		kapi.WriteError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// decodeEventList reads an audit.k8s.io/v1 EventList in JSON, as the API
// server's webhook backend sends it, refusing anything else with an
// *InvalidError.
func decodeEventList(body []byte) (*auditv1.EventList, error) {
	var list auditv1.EventList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, &InvalidError{Field: "body", Reason: "not an audit.k8s.io/v1 EventList in JSON: " + err.Error(), Err: err}
	}
	if gv := auditv1.SchemeGroupVersion.String(); list.APIVersion != gv || list.Kind != "EventList" {
		return nil, &InvalidError{Field: "body", Reason: fmt.Sprintf("is %s %s, not %s EventList (set --audit-webhook-version=%s)", list.APIVersion, list.Kind, gv, gv)}
	}
	for i, e := range list.Items {
		if e.AuditID == "" || e.RequestReceivedTimestamp.IsZero() {
			return nil, &InvalidError{Field: fmt.Sprintf("items[%d]", i), Reason: "auditID and requestReceivedTimestamp are required"}
		}
	}
	return &list, nil
}

// records turns events into records, stamped with their workspace and the
// cluster.
func (s *sink) records(ctx context.Context, events []auditv1.Event) ([]logstore.Record, error) {
	workspaces := map[string]string{}
	out := make([]logstore.Record, 0, len(events))
	for i := range events {
		e := &events[i]
		ws := workspaceObject(e)
		if ns := namespaceOf(e); ns != "" && ws == "" {
			var seen bool
			if ws, seen = workspaces[ns]; !seen {
				var n corev1.Namespace
				switch err := s.opts.Reader.Get(ctx, client.ObjectKey{Name: ns}, &n); {
				case apierrors.IsNotFound(err):
				case err != nil:
					return nil, fmt.Errorf("read namespace %s: %w", ns, err)
				default:
					ws = n.Labels[tenantv1beta1.WorkspaceLabel]
				}
				workspaces[ns] = ws
			}
		}
		rec, err := Record(e, ws, s.opts.Cluster)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
