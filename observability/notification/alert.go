package notification

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError reports an input the package refuses, naming it and why.
type InvalidError = fielderr.Invalid

// Alert statuses.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// Alert is one alert, in Alertmanager's shape.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Fingerprint  string            `json:"fingerprint,omitempty"`
}

// MaxWebhookBody bounds an Alertmanager webhook payload DecodeWebhook
// reads.
const MaxWebhookBody = 16 << 20

// webhookMessage is Alertmanager's webhook payload, version 4.
type webhookMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// DecodeWebhook reads the alerts of an Alertmanager webhook payload
// (version 4, as Alertmanager's webhook_config sends it). A payload that
// is not JSON, of another version, or with an alert lacking a status
// (firing or resolved), labels or a start time is refused whole with an
// *InvalidError naming the field.
func DecodeWebhook(body []byte) ([]Alert, error) {
	if len(body) > MaxWebhookBody {
		return nil, &InvalidError{Field: "body", Reason: fmt.Sprintf("is over %d bytes", MaxWebhookBody)}
	}
	var m webhookMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, &InvalidError{Field: "body", Reason: "not an Alertmanager webhook payload: " + err.Error(), Err: err}
	}
	if m.Version != "4" {
		return nil, &InvalidError{Field: "version", Reason: fmt.Sprintf("%q is not 4, the version Alertmanager sends", m.Version)}
	}
	for i, a := range m.Alerts {
		field := fmt.Sprintf("alerts[%d]", i)
		switch {
		case a.Status != StatusFiring && a.Status != StatusResolved:
			return nil, &InvalidError{Field: field + ".status", Reason: fmt.Sprintf("%q is not firing or resolved", a.Status)}
		case len(a.Labels) == 0:
			return nil, &InvalidError{Field: field + ".labels", Reason: "an alert needs labels"}
		case a.StartsAt.IsZero():
			return nil, &InvalidError{Field: field + ".startsAt", Reason: "required"}
		}
	}
	return m.Alerts, nil
}
