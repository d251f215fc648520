package notification

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// SlackAPIURL is Slack's chat.postMessage method, where SendSlack posts
// unless told otherwise.
const SlackAPIURL = "https://slack.com/api/chat.postMessage"

// RenderText renders data as plain text for chat channels with the
// built-in templates: the email's subject, a blank line, then its body.
func RenderText(data Data) (string, error) {
	return defaultTemplates.Text(data, "")
}

// SendSlack posts text to each of the receiver's channels with Slack's
// chat.postMessage (at apiURL; SlackAPIURL when empty), authenticated
// with the config's bot token, as notification-manager does: a JSON body
// {"channel", "text"}, and an answer whose "ok" must be true (its "error"
// is the failure otherwise). The first channel that fails stops the
// delivery.
func SendSlack(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.SlackConfig, r *notificationv2beta2.SlackReceiver, text, apiURL string, timeout time.Duration) error {
	switch {
	case cfg == nil:
		return &InvalidError{Field: "config.spec.slack", Reason: "required"}
	case r == nil || len(r.Channels) == 0:
		return &InvalidError{Field: "spec.slack.channels", Reason: "required"}
	}
	token, err := secrets.Required(ctx, cfg.SlackTokenSecret, "config.spec.slack.slackTokenSecret")
	if err != nil {
		return err
	}
	if apiURL == "" {
		apiURL = SlackAPIURL
	}
	if timeout == 0 {
		timeout = DefaultWebhookTimeout
	}
	for _, channel := range r.Channels {
		if err := postSlack(ctx, apiURL, token, channel, text, timeout); err != nil {
			return err
		}
	}
	return nil
}

func postSlack(ctx context.Context, apiURL, token, channel, text string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := json.Marshal(map[string]string{"channel": channel, "text": text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL, bytes.NewReader(body))
	if err != nil {
		return &InvalidError{Field: "apiURL", Reason: err.Error(), Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("slack: post to %s: %w", channel, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("slack: post to %s: %s: %s", channel, resp.Status, bytes.TrimSpace(data))
	}
	var answer struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return fmt.Errorf("slack: post to %s: the answer is not Slack's: %w", channel, err)
	}
	if !answer.OK {
		return fmt.Errorf("slack: post to %s: %s", channel, answer.Error)
	}
	return nil
}
