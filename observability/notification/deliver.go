package notification

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Defaults of Deliverer.
const (
	DefaultAttempts  = 3
	DefaultRetryWait = time.Second
)

// ErrUnsupportedChannel is the failure recorded for a target whose
// channel spherekit does not know (Route names only channels it knows).
var ErrUnsupportedChannel = errors.New("the channel is not supported")

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
	// RateLimits bound how often each channel sends, by channel name
	// (Target.Channel); a channel without one is not limited.
	RateLimits map[string]RateLimit
	// Templates render notifications (the built-in ones in
	// DefaultLanguage when nil); a receiver's template fields name the
	// templates its channel is rendered with.
	Templates *Templates

	limitersOnce sync.Once
	limiters     map[string]*rate.Limiter // by channel, made once from RateLimits
	// SlackAPIURL and TelegramAPIURL are where Slack and Telegram messages
	// are posted; empty means the services themselves.
	SlackAPIURL, TelegramAPIURL string
	// DingTalkAPIURL, WeComAPIURL, FeishuAPIURL and PushoverAPIURL are
	// where DingTalk conversations, WeCom app messages (unless the Config
	// names its own), Feishu batch messages and Pushover messages are sent;
	// empty means the services themselves. Chatbots post to their webhooks.
	DingTalkAPIURL, WeComAPIURL, FeishuAPIURL, PushoverAPIURL string
	// SMSEndpoints are where the SMS providers are reached; empty ones
	// mean the services themselves.
	SMSEndpoints SMSEndpoints
}

// ErrRateLimited is the failure of a notification whose channel's rate
// limit would have kept it waiting longer than the limit's MaxWait.
var ErrRateLimited = errors.New("the channel's rate limit is exhausted")

// RateLimit bounds how often one channel sends, as notification-manager's
// throttle does: Threshold notifications per Unit, in bursts of up to
// Threshold; a notification waits for its turn up to MaxWait, and fails
// with ErrRateLimited when its turn is further away (recorded, never
// dropped).
type RateLimit struct {
	Threshold int
	Unit      time.Duration
	MaxWait   time.Duration
}

// wait waits for channel's turn under its rate limit.
func (d *Deliverer) wait(ctx context.Context, channel string) error {
	d.limitersOnce.Do(func() {
		d.limiters = map[string]*rate.Limiter{}
		for ch, l := range d.RateLimits {
			if l.Threshold > 0 && l.Unit > 0 {
				d.limiters[ch] = rate.NewLimiter(rate.Every(l.Unit/time.Duration(l.Threshold)), l.Threshold)
			}
		}
	})
	lim := d.limiters[channel]
	if lim == nil {
		return nil
	}
	res := lim.Reserve()
	delay := res.Delay()
	if delay > d.RateLimits[channel].MaxWait {
		res.Cancel()
		return fmt.Errorf("%s: the next turn is in %s, over the %s allowed: %w", channel, delay.Round(time.Millisecond), d.RateLimits[channel].MaxWait, ErrRateLimited)
	}
	if delay == 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		res.Cancel()
		return ctx.Err()
	case <-t.C:
		return nil
	}
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
				if r.Err = d.wait(ctx, dl.Target.Channel); r.Err == nil {
					r.Err = d.send(ctx, dl.Target, receivers[dl.Target.Receiver], data)
				}
				r.At = time.Now()
				var invalid *InvalidError
				if r.Err == nil || errors.Is(r.Err, ErrUnsupportedChannel) || errors.Is(r.Err, ErrRateLimited) || errors.As(r.Err, &invalid) || r.Attempts == attempts {
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
		msg, err := d.email(rcv, data)
		if err != nil {
			return err
		}
		return SendEmail(ctx, d.Secrets, t.Config.Spec.Email, rcv.Spec.Email, msg, d.Timeout)
	case "slack":
		if t.Config == nil || t.Config.Spec.Slack == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.slack.slackConfigSelector", Reason: "no Config configures slack for it"}
		}
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendSlack(ctx, d.Secrets, t.Config.Spec.Slack, rcv.Spec.Slack, text, d.SlackAPIURL, d.Timeout)
	case "telegram":
		if t.Config == nil || t.Config.Spec.Telegram == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.telegram.telegramConfigSelector", Reason: "no Config configures telegram for it"}
		}
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendTelegram(ctx, d.Secrets, t.Config.Spec.Telegram, rcv.Spec.Telegram, text, d.TelegramAPIURL, d.Timeout)
	case "discord":
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendDiscord(ctx, d.Secrets, rcv.Spec.Discord, text, d.Timeout)
	case "dingtalk":
		// Chatbots need no Config; SendDingTalk, SendWeCom and SendFeishu
		// refuse app messages without one.
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendDingTalk(ctx, d.Secrets, targetConfig(t).DingTalk, rcv.Spec.DingTalk, text, d.DingTalkAPIURL, d.Timeout)
	case "wechat":
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendWeCom(ctx, d.Secrets, targetConfig(t).Wechat, rcv.Spec.Wechat, text, d.WeComAPIURL, d.Timeout)
	case "feishu":
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendFeishu(ctx, d.Secrets, targetConfig(t).Feishu, rcv.Spec.Feishu, text, d.FeishuAPIURL, d.Timeout)
	case "pushover":
		if t.Config == nil || t.Config.Spec.Pushover == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.pushover.pushoverConfigSelector", Reason: "no Config configures pushover for it"}
		}
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendPushover(ctx, d.Secrets, t.Config.Spec.Pushover, rcv.Spec.Pushover, titleOf(text), text, d.PushoverAPIURL, d.Timeout)
	case "sms":
		if t.Config == nil || t.Config.Spec.Sms == nil {
			return &InvalidError{Field: "receiver " + t.Receiver + " spec.sms.smsConfigSelector", Reason: "no Config configures sms for it"}
		}
		text, err := d.text(rcv, t.Channel, data)
		if err != nil {
			return err
		}
		return SendSMS(ctx, d.Secrets, t.Config.Spec.Sms, rcv.Spec.Sms, text, d.SMSEndpoints, d.Timeout)
	}
	return fmt.Errorf("%s: %w", t.Channel, ErrUnsupportedChannel)
}
