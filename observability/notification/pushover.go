package notification

import (
	"context"
	"fmt"
	"strings"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// PushoverAPIURL is Pushover's messages API, where SendPushover posts
// unless told otherwise.
const PushoverAPIURL = "https://api.pushover.net/1/messages.json"

// Pushover's limits: a message's text as notification-manager applies it
// (in bytes of the JSON-escaped text, never fewer than Pushover's 1024
// characters), and a title's characters, as Pushover documents it.
const (
	PushoverMaxMessage = 1024
	PushoverMaxTitle   = 250
)

// SendPushover sends title and text to each of the receiver's profiles
// with the Config's application token, as notification-manager does: POST
// apiURL (PushoverAPIURL when empty) of {"token", "user" (the profile's
// user key), "message", "title", "device" (the profile's devices,
// comma-separated), "sound"}. A profile's deprecated title is not used,
// as in notification-manager. Text is cut to PushoverMaxMessage, title to
// PushoverMaxTitle. An answer whose status is not 1 is the failure, with
// its errors. Every profile is tried; their failures are joined. The token
// stays out of errors.
func SendPushover(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.PushoverConfig, r *notificationv2beta2.PushoverReceiver, title, text, apiURL string, timeout time.Duration) error {
	switch {
	case cfg == nil:
		return &InvalidError{Field: "config.spec.pushover", Reason: "required"}
	case r == nil || len(r.Profiles) == 0:
		return &InvalidError{Field: "spec.pushover.profiles", Reason: "required"}
	}
	for i, p := range r.Profiles {
		if p == nil || p.UserKey == nil || *p.UserKey == "" {
			return &InvalidError{Field: fmt.Sprintf("spec.pushover.profiles[%d].userKey", i), Reason: "required"}
		}
	}
	token, err := secrets.Required(ctx, cfg.PushoverTokenSecret, "config.spec.pushover.pushoverTokenSecret")
	if err != nil {
		return err
	}
	if apiURL == "" {
		apiURL = PushoverAPIURL
	}
	var hidden secretList
	hidden.add(token)
	title, text = cutRunes(title, PushoverMaxTitle), cutJSON(text, PushoverMaxMessage)
	var sends []func() error
	for _, p := range r.Profiles {
		msg := map[string]string{"token": token, "user": *p.UserKey, "message": text}
		if title != "" {
			msg["title"] = title
		}
		if len(p.Devices) > 0 {
			msg["device"] = strings.Join(p.Devices, ",")
		}
		if p.Sound != nil && *p.Sound != "" {
			msg["sound"] = *p.Sound
		}
		sends = append(sends, func() error {
			var answer struct {
				Status int      `json:"status"`
				Errors []string `json:"errors"`
			}
			err := callJSON(ctx, apiURL, nil, msg, &answer, timeout)
			switch {
			case len(answer.Errors) > 0:
				return fmt.Errorf("pushover: send to %s: %s", *p.UserKey, strings.Join(answer.Errors, "; "))
			case err != nil:
				return fmt.Errorf("pushover: send to %s: %w", *p.UserKey, err)
			case answer.Status != 1:
				return fmt.Errorf("pushover: send to %s: status %d", *p.UserKey, answer.Status)
			}
			return nil
		})
	}
	err = joinSends(sends...)
	return hidden.redact(err)
}
