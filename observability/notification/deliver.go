package notification

import (
	"context"
	"errors"
	"fmt"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Defaults of Deliverer.
const (
	DefaultAttempts  = 3
	DefaultRetryWait = time.Second
)

// ErrUnsupportedChannel is the failure recorded for a channel spherekit
// does not deliver on yet.
var ErrUnsupportedChannel = errors.New("the channel is not supported yet")

// Deliverer sends routed alerts: it groups each delivery's alerts into
// notifications by GroupLabels, renders them and sends each on its
// channel, retrying failures, and reports every notification's outcome so
// that nothing is dropped silently.
type Deliverer struct {
	// Secrets reads the credentials of receivers and configs.
	Secrets Secrets
	// GroupLabels group a delivery's alerts into notifications (the
	// NotificationManager's spec.groupLabels); none puts them all in one.
	GroupLabels []string
	// Attempts is how many times a notification is tried (DefaultAttempts
	// when zero); RetryWait the pause between tries, doubled each time
	// (DefaultRetryWait when zero).
	Attempts  int
	RetryWait time.Duration
	// Timeout bounds one try (the channel's default when zero).
	Timeout time.Duration
	// SlackAPIURL and TelegramAPIURL are where Slack and Telegram messages
	// are posted; empty means the services themselves.
	SlackAPIURL, TelegramAPIURL string
}

// Result is the outcome of one notification.
type Result struct {
	Target Target
	Data   Data
	// Attempts is how many tries were made; Err the last one's failure,
	// nil once sent.
	Attempts int
	Err      error
	// At is when the last try ended.
	At time.Time
}

// Deliver sends every delivery of Route's answer, receivers read from
// objs, and returns one Result per notification, in order. It stops
// retrying when ctx ends; the unsent notifications then carry ctx's error.
func (d *Deliverer) Deliver(ctx context.Context, deliveries []Delivery, objs Objects) []Result {
	attempts, wait := d.Attempts, d.RetryWait
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if wait <= 0 {
		wait = DefaultRetryWait
	}
	receivers := map[string]*notificationv2beta2.Receiver{}
	for i := range objs.Receivers {
		receivers[objs.Receivers[i].Name] = &objs.Receivers[i]
	}
	var results []Result
	for _, dl := range deliveries {
		for _, data := range Group(dl.Alerts, d.GroupLabels) {
			r := Result{Target: dl.Target, Data: data}
			pause := wait
			for r.Attempts < attempts {
				r.Attempts++
				r.Err = d.send(ctx, dl.Target, receivers[dl.Target.Receiver], data)
				r.At = time.Now()
				var invalid *InvalidError
				if r.Err == nil || errors.Is(r.Err, ErrUnsupportedChannel) || errors.As(r.Err, &invalid) || r.Attempts == attempts {
					break
				}
				select {
				case <-ctx.Done():
					r.Err = errors.Join(r.Err, ctx.Err())
					r.Attempts = attempts
				case <-time.After(pause):
					pause *= 2
				}
			}
			results = append(results, r)
		}
	}
	return results
}

// send tries one notification on its channel.
func (d *Deliverer) send(ctx context.Context, t Target, rcv *notificationv2beta2.Receiver, data Data) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if rcv == nil {
		return &InvalidError{Field: "receiver", Reason: fmt.Sprintf("no Receiver %q", t.Receiver)}
	}
	switch t.Channel {
	case "webhook":
		return SendWebhook(ctx, d.Secrets, rcv.Spec.Webhook, data, d.Timeout)
	case "email":
		if t.Config == nil || t.Config.Spec.Email == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.email.emailConfigSelector", Reason: "no Config configures email for it"}
		}
		msg, err := RenderEmail(data)
		if err != nil {
			return err
		}
		return SendEmail(ctx, d.Secrets, t.Config.Spec.Email, rcv.Spec.Email, msg, d.Timeout)
	case "slack":
		if t.Config == nil || t.Config.Spec.Slack == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.slack.slackConfigSelector", Reason: "no Config configures slack for it"}
		}
		text, err := RenderText(data)
		if err != nil {
			return err
		}
		return SendSlack(ctx, d.Secrets, t.Config.Spec.Slack, rcv.Spec.Slack, text, d.SlackAPIURL, d.Timeout)
	case "telegram":
		if t.Config == nil || t.Config.Spec.Telegram == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.telegram.telegramConfigSelector", Reason: "no Config configures telegram for it"}
		}
		text, err := RenderText(data)
		if err != nil {
			return err
		}
		return SendTelegram(ctx, d.Secrets, t.Config.Spec.Telegram, rcv.Spec.Telegram, text, d.TelegramAPIURL, d.Timeout)
	case "discord":
		text, err := RenderText(data)
		if err != nil {
			return err
		}
		return SendDiscord(ctx, d.Secrets, rcv.Spec.Discord, text, d.Timeout)
	}
	return fmt.Errorf("%s: %w", t.Channel, ErrUnsupportedChannel)
}
