package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Alert is one alert as Alertmanager's API v2 takes it (its postableAlert).
type Alert struct {
	// Labels identify the alert; alertname is the one every alert has.
	// Required.
	Labels map[string]string `json:"labels"`
	// Annotations carry its description (summary, runbook_url, ...).
	Annotations map[string]string `json:"annotations,omitempty"`
	// StartsAt is when it began firing; zero means when it is received.
	StartsAt time.Time `json:"startsAt,omitzero"`
	// EndsAt, in the past, resolves the alert. Zero means it fires until
	// posted again with an EndsAt, or for Alertmanager's resolve_timeout
	// (five minutes by default) after it was last posted.
	EndsAt time.Time `json:"endsAt,omitzero"`
	// GeneratorURL links back to what raised it.
	GeneratorURL string `json:"generatorURL,omitempty"`
}

// PostAlerts sends alerts to POST /api/v2/alerts, as Prometheus does: a
// new alert fires, the same labels again refresh it, and an EndsAt in the
// past resolves it. An alert without labels is an *OptionsError; an alert
// Alertmanager refuses is an error with its answer.
func (s *Server) PostAlerts(ctx context.Context, alerts ...Alert) error {
	for i, a := range alerts {
		if len(a.Labels) == 0 {
			return fmt.Errorf("alertmanager: %w", &OptionsError{Field: fmt.Sprintf("alerts[%d].Labels", i), Reason: "is empty"})
		}
	}
	if alerts == nil {
		alerts = []Alert{}
	}
	body, err := json.Marshal(alerts)
	if err != nil {
		return fmt.Errorf("alertmanager: encode alerts: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/api/v2/alerts", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alertmanager: post alerts: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("alertmanager: post alerts: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("alertmanager: post alerts: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}
