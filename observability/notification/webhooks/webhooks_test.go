package webhooks_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/testenv"
)

func name(prefix string) string { return prefix + "-" + rand.String(6) }

// TestAdmission creates notification objects through the real API server:
// good ones are admitted, each bad one is denied with the field named, and
// a receiver's config selector is judged against the Configs that exist.
func TestAdmission(t *testing.T) {
	ctx := context.Background()
	emailLabels := map[string]string{"type": "default", "channel": name("email")}
	config := &notificationv2beta2.Config{ObjectMeta: metav1.ObjectMeta{Name: name("smtp"), Labels: emailLabels},
		Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "alerts@example.com", SmartHost: notificationv2beta2.HostPort{Host: "smtp", Port: 25}}}}
	require.NoError(t, env.Client.Create(ctx, config))
	selector := &notificationv2beta2.LabelSelector{MatchLabels: emailLabels}
	receiver := &notificationv2beta2.Receiver{ObjectMeta: metav1.ObjectMeta{Name: name("ops"), Labels: map[string]string{"type": "global"}},
		Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{"ops@example.com"}, EmailConfigSelector: selector}}}
	// The manager's cache must have seen the Config before the receiver is
	// judged against it.
	testenv.Eventually(t, func() (bool, error) {
		return env.Client.Create(ctx, receiver.DeepCopy()) == nil, nil
	}, "a receiver whose config selector selects the Config is admitted")
	require.NoError(t, env.Client.Create(ctx, &notificationv2beta2.Router{ObjectMeta: metav1.ObjectMeta{Name: name("critical")},
		Spec: notificationv2beta2.RouterSpec{AlertSelector: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"severity": "critical"}},
			Receivers: notificationv2beta2.ReceiverSelector{Name: []string{receiver.Name}}}}))
	require.NoError(t, env.Client.Create(ctx, &notificationv2beta2.Silence{ObjectMeta: metav1.ObjectMeta{Name: name("nightly")},
		Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{}, Schedule: "0 2 * * *", Duration: &metav1.Duration{Duration: time.Hour}}}))

	denied := []struct {
		obj   client.Object
		field string
	}{
		{&notificationv2beta2.Config{ObjectMeta: metav1.ObjectMeta{Name: name("c")},
			Spec: notificationv2beta2.ConfigSpec{Slack: &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{}}}}, "spec.slack.slackTokenSecret"},
		{&notificationv2beta2.Receiver{ObjectMeta: metav1.ObjectMeta{Name: name("r")},
			Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{"x@example.com"},
				EmailConfigSelector: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"channel": "none"}}}}}, "spec.email.emailConfigSelector"},
		{&notificationv2beta2.Receiver{ObjectMeta: metav1.ObjectMeta{Name: name("r")},
			Spec: notificationv2beta2.ReceiverSpec{Webhook: &notificationv2beta2.WebhookReceiver{}}}, "spec.webhook"},
		{&notificationv2beta2.Router{ObjectMeta: metav1.ObjectMeta{Name: name("router")},
			Spec: notificationv2beta2.RouterSpec{AlertSelector: &notificationv2beta2.LabelSelector{}, Receivers: notificationv2beta2.ReceiverSelector{Name: []string{"nobody"}}}}, "spec.receivers.name[0]"},
		{&notificationv2beta2.Silence{ObjectMeta: metav1.ObjectMeta{Name: name("s")},
			Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{}, Schedule: "at midnight"}}, "spec.schedule"},
		{&notificationv2beta2.Silence{ObjectMeta: metav1.ObjectMeta{Name: name("s")},
			Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{
				{Key: "pod", Operator: notificationv2beta2.LabelSelectorOpMatch, RegexValue: "(web"}}}}}, "spec.matcher.matchExpressions[0].regexValue"},
	}
	for _, d := range denied {
		err := env.Client.Create(ctx, d.obj)
		require.Error(t, err, d.field)
		assert.True(t, apierrors.IsForbidden(err), "%s: %v", d.field, err)
		assert.Contains(t, err.Error(), "invalid "+d.field, d.field)
	}

	// An update is judged too.
	var r notificationv2beta2.Receiver
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(receiver), &r))
	r.Spec.Email.TmplType = ptr.To("markdown")
	err := env.Client.Update(ctx, &r)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid spec.email.tmplType")
}
