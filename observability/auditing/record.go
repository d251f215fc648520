package auditing

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apiserver/pkg/apis/audit"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// The fields of an audit record in the store, besides the tenant fields of
// logscope (cluster, workspace, namespace: the namespace of the object the
// request was about). The record's time is when the API server received
// the request and its message the request URI; FieldEvent holds the event
// in KubeSphere's shape (Event), which queries answer with. Fields of
// several values (groups, source IPs) hold them one per line.
const (
	FieldAuditID     = "audit_id"
	FieldStage       = "stage"
	FieldLevel       = "level"
	FieldVerb        = "verb"
	FieldUser        = "user"
	FieldGroups      = "groups"
	FieldSourceIPs   = "source_ips"
	FieldAPIGroup    = "object_api_group"
	FieldResource    = "object_resource"
	FieldSubresource = "object_subresource"
	FieldName        = "object_name"
	FieldCode        = "response_code"
	FieldStatus      = "response_status"
	FieldEvent       = "event"
)

// Event is an audit event as KubeSphere stores and answers it: the fields
// of Kubernetes' audit event under their Go names (KubeSphere encodes the
// API server's internal type, so "AuditID", "ObjectRef": {"Namespace",
// "Resource", ...}, "User": {"username", "groups"} and "ResponseStatus":
// {"code", "status"}), with the workspace and cluster it happened in. A
// record of a query's answer decodes into it with encoding/json.
type Event struct {
	// Devops is the DevOps project of the request, empty for the API
	// server's events.
	Devops string
	// Workspace is the workspace of the object's namespace (or, for a
	// workspace itself, its name) when the event arrived.
	Workspace string
	// Cluster is the cluster the sink stamps.
	Cluster string
	// Message is a message for the user, empty for the API server's
	// events.
	Message string

	audit.Event
}

// namespaceOf is the namespace an event is about: its object's namespace,
// or a namespace itself.
func namespaceOf(e *auditv1.Event) string {
	ref := e.ObjectRef
	switch {
	case ref == nil:
		return ""
	case ref.Namespace != "":
		return ref.Namespace
	case ref.APIGroup == "" && ref.Resource == "namespaces":
		return ref.Name
	}
	return ""
}

// workspaceObject is the workspace an event is about when its object is a
// workspace (a Workspace or WorkspaceTemplate), else "".
func workspaceObject(e *auditv1.Event) string {
	ref := e.ObjectRef
	if ref == nil || ref.APIGroup != tenantv1beta1.GroupName {
		return ""
	}
	if ref.Resource == "workspaces" || ref.Resource == "workspacetemplates" {
		return ref.Name
	}
	return ""
}

// Record is the store record of e, stamped with workspace and cluster.
func Record(e *auditv1.Event, workspace, cluster string) (logstore.Record, error) {
	ks := Event{Workspace: workspace, Cluster: cluster}
	if err := auditv1.Convert_v1_Event_To_audit_Event(e, &ks.Event, nil); err != nil {
		return logstore.Record{}, fmt.Errorf("convert audit event %s: %w", e.AuditID, err)
	}
	data, err := json.Marshal(&ks)
	if err != nil {
		return logstore.Record{}, fmt.Errorf("encode audit event %s: %w", e.AuditID, err)
	}
	fields := map[string]string{
		logscope.FieldCluster:   cluster,
		logscope.FieldWorkspace: workspace,
		logscope.FieldNamespace: namespaceOf(e),
		logscope.FieldKind:      logscope.KindAudit,
		FieldAuditID:            string(e.AuditID),
		FieldStage:              string(e.Stage),
		FieldLevel:              string(e.Level),
		FieldVerb:               e.Verb,
		FieldUser:               e.User.Username,
		FieldGroups:             strings.Join(e.User.Groups, "\n"),
		FieldSourceIPs:          strings.Join(e.SourceIPs, "\n"),
		FieldEvent:              string(data),
	}
	if ref := e.ObjectRef; ref != nil {
		fields[FieldAPIGroup] = ref.APIGroup
		fields[FieldResource] = ref.Resource
		fields[FieldSubresource] = ref.Subresource
		fields[FieldName] = ref.Name
	}
	if s := e.ResponseStatus; s != nil {
		if s.Code != 0 {
			fields[FieldCode] = strconv.Itoa(int(s.Code))
		}
		fields[FieldStatus] = s.Status
	}
	for k, v := range fields {
		if v == "" {
			delete(fields, k)
		}
	}
	msg := e.RequestURI
	if msg == "" {
		msg = e.Verb
	}
	return logstore.Record{Time: e.RequestReceivedTimestamp.Time, Message: msg, Fields: fields}, nil
}
