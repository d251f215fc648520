package logging

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// MaxIngestBody bounds one ingest request's body.
const MaxIngestBody = 32 << 20

// IngesterOptions configures NewIngester.
type IngesterOptions struct {
	// Store receives the records. Required.
	Store logstore.Store
	// Reader reads Namespaces for their workspace label, typically a
	// manager's cache. Required.
	Reader client.Reader
	// Token is the bearer token a shipper must send (Authorization:
	// Bearer <Token>). Required: records name the namespace they belong
	// to, so only the shipper may write them.
	Token string
	// Cluster is stamped on every record as its cluster field.
	Cluster string
}

// NewIngester returns the http.Handler a log shipper (Fluent Bit's http
// output, Vector's http sink) POSTs container log lines to, as JSON lines
// or one JSON array of objects, each in the shape Fluent Bit's kubernetes
// filter gives:
//
//	{"time": "2024-03-01T10:00:00.123456789Z", "log": "GET / 200\n",
//	 "kubernetes": {"namespace_name": "demo", "pod_name": "web-7c9f-abcde",
//	  "container_name": "web", "docker_id": "3f2a...", "host": "node-1"}}
//
// The time may instead be "date" (seconds since the epoch, with a
// fraction) or "timestamp" (RFC 3339), and Vector's names are read too
// ("message"; kubernetes "pod_namespace", "container_id",
// "pod_node_name"). A line without a namespace, pod or container is
// refused.
//
// Each record is stamped with the namespace's workspace, read from its
// kubesphere.io/workspace label when the line arrives (whatever the line
// says), and with IngesterOptions.Cluster. A request is written whole or
// not at all: any bad line refuses it with 400 naming the line. 401 answers
// a missing or wrong token.
func NewIngester(opts IngesterOptions) (http.Handler, error) {
	switch {
	case opts.Store == nil:
		return nil, &InvalidError{Field: "Store", Reason: "required"}
	case opts.Reader == nil:
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	case opts.Token == "":
		return nil, &InvalidError{Field: "Token", Reason: "required"}
	}
	return &ingester{opts: opts}, nil
}

type ingester struct{ opts IngesterOptions }

// shipped is one line as a shipper sends it.
type shipped struct {
	Time       string   `json:"time"`
	Timestamp  string   `json:"timestamp"`
	Date       *float64 `json:"date"`
	Log        *string  `json:"log"`
	Message    *string  `json:"message"`
	Kubernetes struct {
		NamespaceName string `json:"namespace_name"`
		PodNamespace  string `json:"pod_namespace"`
		PodName       string `json:"pod_name"`
		ContainerName string `json:"container_name"`
		DockerID      string `json:"docker_id"`
		ContainerID   string `json:"container_id"`
		Host          string `json:"host"`
		PodNodeName   string `json:"pod_node_name"`
	} `json:"kubernetes"`
}

func (in *ingester) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "method "+r.Method+" is not allowed; POST log lines")
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(in.opts.Token)) != 1 {
		apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "a shipper's bearer token is required")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxIngestBody+1))
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "read the body: "+err.Error())
		return
	}
	if len(body) > MaxIngestBody {
		apistatus.WriteFailure(w, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes; send smaller batches", MaxIngestBody))
		return
	}
	lines, err := decodeShipped(body)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	records, err := in.records(r.Context(), lines)
	if err != nil {
		kapi.WriteError(w, err)
		return
	}
	if err := in.opts.Store.Write(r.Context(), records); err != nil {
		kapi.WriteError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeShipped reads JSON lines, or one JSON array of objects.
func decodeShipped(body []byte) ([]shipped, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var lines []shipped
		if err := json.Unmarshal(trimmed, &lines); err != nil {
			return nil, &InvalidError{Field: "body", Reason: "not a JSON array of log lines: " + err.Error(), Err: err}
		}
		return lines, nil
	}
	var lines []shipped
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), MaxIngestBody)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l shipped
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, &InvalidError{Field: fmt.Sprintf("line %d", n), Reason: "not a JSON object: " + err.Error(), Err: err}
		}
		lines = append(lines, l)
	}
	return lines, sc.Err()
}

// records turns shipped lines into records, stamped with their
// namespace's workspace and the cluster.
func (in *ingester) records(ctx context.Context, lines []shipped) ([]logstore.Record, error) {
	workspaces := map[string]string{}
	out := make([]logstore.Record, 0, len(lines))
	for i, l := range lines {
		field := fmt.Sprintf("line %d", i+1)
		t, err := l.time()
		if err != nil {
			return nil, &InvalidError{Field: field, Reason: err.Error()}
		}
		k := l.Kubernetes
		ns := first(k.NamespaceName, k.PodNamespace)
		if ns == "" || k.PodName == "" || k.ContainerName == "" {
			return nil, &InvalidError{Field: field, Reason: "kubernetes.namespace_name, pod_name and container_name are required"}
		}
		ws, seen := workspaces[ns]
		if !seen {
			var n corev1.Namespace
			switch err := in.opts.Reader.Get(ctx, client.ObjectKey{Name: ns}, &n); {
			case apierrors.IsNotFound(err):
			case err != nil:
				return nil, fmt.Errorf("read namespace %s: %w", ns, err)
			default:
				ws = n.Labels[tenantv1beta1.WorkspaceLabel]
			}
			workspaces[ns] = ws
		}
		msg := ""
		switch {
		case l.Log != nil:
			msg = *l.Log
		case l.Message != nil:
			msg = *l.Message
		}
		fields := map[string]string{
			logscope.FieldNamespace: ns,
			logscope.FieldKind:      logscope.KindLog,
			FieldPod:                k.PodName,
			FieldContainer:          k.ContainerName,
			FieldContainerID:        first(k.DockerID, k.ContainerID),
			FieldNode:               first(k.Host, k.PodNodeName),
			logscope.FieldWorkspace: ws,
			logscope.FieldCluster:   in.opts.Cluster,
		}
		for name, v := range fields {
			if v == "" {
				delete(fields, name)
			}
		}
		out = append(out, logstore.Record{Time: t, Message: msg, Fields: fields})
	}
	return out, nil
}

func (l shipped) time() (time.Time, error) {
	switch {
	case l.Time != "" || l.Timestamp != "":
		s := first(l.Time, l.Timestamp)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q is not RFC 3339", s)
		}
		return t, nil
	case l.Date != nil:
		d := *l.Date
		if math.IsNaN(d) || d <= 0 || d > 1<<34 {
			return time.Time{}, fmt.Errorf("date %v is not seconds since the epoch", d)
		}
		sec, frac := math.Modf(d)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("a time (time, timestamp or date) is required")
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
