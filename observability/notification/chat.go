package notification

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// TelegramAPIURL is the Bot API's base, where SendTelegram posts unless
// told otherwise.
const TelegramAPIURL = "https://api.telegram.org"

// Discord's limits on a message's text, as notification-manager applies
// them: content, or one embed's description.
const (
	DiscordMaxContent = 2000
	DiscordMaxEmbed   = 4096
)

// SendTelegram sends text to each of the receiver's chats with the Bot
// API's sendMessage (POST apiBase/bot<token>/sendMessage with {"chat_id",
// "text"}; apiBase TelegramAPIURL when empty), the receiver's mentioned
// users appended on a line of their own, as notification-manager does.
// An answer whose "ok" is false is the failure, with its description.
func SendTelegram(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.TelegramConfig, r *notificationv2beta2.TelegramReceiver, text, apiBase string, timeout time.Duration) error {
	switch {
	case cfg == nil:
		return &InvalidError{Field: "config.spec.telegram", Reason: "required"}
	case r == nil || len(r.Channels) == 0:
		return &InvalidError{Field: "spec.telegram.channels", Reason: "required"}
	}
	token, err := secrets.Required(ctx, cfg.TelegramTokenSecret, "config.spec.telegram.telegramTokenSecret")
	if err != nil {
		return err
	}
	if len(r.MentionedUsers) > 0 {
		text += "\n"
		for _, u := range r.MentionedUsers {
			text += "@" + u + " "
		}
	}
	if apiBase == "" {
		apiBase = TelegramAPIURL
	}
	for _, chat := range r.Channels {
		var answer struct {
			OK          bool   `json:"ok"`
			Description string `json:"description"`
		}
		if err := postJSON(ctx, strings.TrimSuffix(apiBase, "/")+"/bot"+token+"/sendMessage", map[string]string{"chat_id": chat, "text": text}, timeout, &answer); err != nil {
			return fmt.Errorf("telegram: send to %s: %w", chat, redact(err, token))
		}
		if !answer.OK {
			return fmt.Errorf("telegram: send to %s: %s", chat, answer.Description)
		}
	}
	return nil
}

// SendDiscord posts text to the receiver's Discord webhook, as content
// (type content, the default) or as one embed's description (type embed),
// its mentioned users (<@id>, or @everyone) and roles (<@&id>) appended
// on a line of their own and the text cut to Discord's limit, as
// notification-manager does. Discord answers 204 when it took the
// message.
func SendDiscord(ctx context.Context, secrets Secrets, r *notificationv2beta2.DiscordReceiver, text string, timeout time.Duration) error {
	if r == nil || r.Webhook == nil {
		return &InvalidError{Field: "spec.discord.webhook", Reason: "required"}
	}
	hook, err := secrets.Value(ctx, r.Webhook)
	if err != nil {
		return err
	}
	var mentions strings.Builder
	for _, u := range r.MentionedUsers {
		if u == "everyone" {
			mentions.WriteString("@everyone")
			continue
		}
		mentions.WriteString("<@" + u + ">")
	}
	for _, role := range r.MentionedRoles {
		mentions.WriteString("<@&" + role + ">")
	}
	embed := r.Type != nil && *r.Type == "embed"
	limit := DiscordMaxContent
	if embed {
		limit = DiscordMaxEmbed
	}
	if room := limit - mentions.Len() - 1; len(text) > room {
		text = text[:max(room, 0)]
	}
	text += "\n" + mentions.String()
	body := map[string]any{"content": text}
	if embed {
		body = map[string]any{"content": "", "embeds": []map[string]string{{"description": text}}}
	}
	if err := postJSON(ctx, hook, body, timeout, nil); err != nil {
		return fmt.Errorf("discord: %w", redact(err, hook))
	}
	return nil
}

// postJSON posts body as JSON within timeout (DefaultWebhookTimeout when
// zero) and decodes a 2xx answer into out (when not nil).
func postJSON(ctx context.Context, url string, body any, timeout time.Duration, out any) error {
	if timeout == 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return &InvalidError{Field: "url", Reason: err.Error(), Err: err}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(answer))
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("the answer is not the service's: %w", err)
		}
	}
	return nil
}

// redact keeps a secret that is part of a URL (a bot token, a webhook's
// own key) out of an error's text; the error stays wrapped.
func redact(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "<redacted>"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
