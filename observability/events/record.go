package events

import (
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

// The fields of an event record in the store, besides the tenant fields
// of logscope (cluster, workspace, namespace: the involved object's
// namespace). The record's message is the event's message; FieldEvent
// holds the whole event as JSON, which queries answer with.
const (
	FieldEventUID        = "event_uid"
	FieldResourceVersion = "resource_version"
	FieldReason          = "reason"
	FieldType            = "type"
	FieldKind            = "involved_kind"
	FieldName            = "involved_name"
	FieldInvolvedUID     = "involved_uid"
	FieldEvent           = "event"
)

// Time is when an event last happened: its lastTimestamp, else its
// eventTime (events.k8s.io's series), else its creation.
func Time(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

// Record is the store record of one state of e, stamped with workspace
// and cluster.
func Record(e *corev1.Event, workspace, cluster string) (logstore.Record, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return logstore.Record{}, fmt.Errorf("encode event %s/%s: %w", e.Namespace, e.Name, err)
	}
	ns := e.InvolvedObject.Namespace
	if ns == "" {
		ns = e.Namespace
	}
	fields := map[string]string{
		logscope.FieldCluster:   cluster,
		logscope.FieldWorkspace: workspace,
		logscope.FieldNamespace: ns,
		logscope.FieldKind:      logscope.KindEvent,
		FieldEventUID:           string(e.UID),
		FieldResourceVersion:    e.ResourceVersion,
		FieldReason:             e.Reason,
		FieldType:               e.Type,
		FieldKind:               e.InvolvedObject.Kind,
		FieldName:               e.InvolvedObject.Name,
		FieldInvolvedUID:        string(e.InvolvedObject.UID),
		FieldEvent:              string(data),
	}
	for k, v := range fields {
		if v == "" {
			delete(fields, k)
		}
	}
	return logstore.Record{Time: Time(e), Message: e.Message, Fields: fields}, nil
}

// Event decodes the event a record holds.
func Event(r logstore.Record) (*corev1.Event, error) {
	var e corev1.Event
	if err := json.Unmarshal([]byte(r.Fields[FieldEvent]), &e); err != nil {
		return nil, fmt.Errorf("decode the event of a record: %w", err)
	}
	return &e, nil
}
