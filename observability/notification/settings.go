package notification

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Settings are what a NotificationManager says about dispatching: how
// routers and tenants combine, how alerts are grouped and batched, the
// templates and their language, and the channels' throttles. Set them on
// DispatcherOptions (Policy, BatchMaxSize, BatchMaxWait) and its
// Deliverer (GroupLabels, Templates, RateLimits).
type Settings struct {
	Policy       RoutePolicy
	GroupLabels  []string
	BatchMaxSize int
	BatchMaxWait time.Duration
	// Templates are the built-in ones plus spec.template.text, in
	// spec.template.language with its language packs.
	Templates *Templates
	// RateLimits hold DingTalk's throttle (the chatbot's, else the
	// conversation's), the one channel notification-manager throttles.
	RateLimits map[string]RateLimit
}

// SettingsOf reads nm's settings, with the template text and language
// packs from their ConfigMaps: in the selector's namespace, else
// spec.defaultSecretNamespace, else namespace; a selector without a key
// takes every key of the ConfigMap, in key order. A setting spherekit
// refuses is an *InvalidError naming its field; a ConfigMap or key that
// is not there is an error naming it.
func SettingsOf(ctx context.Context, r client.Reader, nm *notificationv2beta2.NotificationManager, namespace string) (Settings, error) {
	spec := nm.Spec
	s := Settings{Policy: RoutePolicy(spec.RoutePolicy), GroupLabels: spec.GroupLabels, BatchMaxSize: spec.BatchMaxSize}
	if err := checkPolicy(s.Policy, "spec.routePolicy"); err != nil {
		return Settings{}, err
	}
	if s.BatchMaxSize < 0 {
		return Settings{}, &InvalidError{Field: "spec.batchMaxSize", Reason: "must not be negative"}
	}
	if spec.BatchMaxWait != nil {
		if s.BatchMaxWait = spec.BatchMaxWait.Duration; s.BatchMaxWait < 0 {
			return Settings{}, &InvalidError{Field: "spec.batchMaxWait", Reason: "must not be negative"}
		}
	}
	if spec.DefaultSecretNamespace != "" {
		namespace = spec.DefaultSecretNamespace
	}
	var opts TemplateOptions
	if t := spec.Template; t != nil {
		opts.Language = t.Language
		if t.Text != nil {
			texts, err := configMapValues(ctx, r, t.Text, namespace, "spec.template.text")
			if err != nil {
				return Settings{}, err
			}
			opts.Text = texts
		}
		for i, sel := range t.LanguagePack {
			if sel == nil {
				continue
			}
			packs, err := configMapValues(ctx, r, sel, namespace, fmt.Sprintf("spec.template.languagePack[%d]", i))
			if err != nil {
				return Settings{}, err
			}
			opts.LanguagePacks = append(opts.LanguagePacks, packs...)
		}
	}
	tmpl, err := NewTemplates(opts)
	if err != nil {
		return Settings{}, err
	}
	s.Templates = tmpl
	if rcv := spec.Receivers; rcv != nil && rcv.Options != nil && rcv.Options.DingTalk != nil {
		t := rcv.Options.DingTalk.ChatBotThrottle
		if t == nil {
			t = rcv.Options.DingTalk.ConversationThrottle
		}
		if t != nil && t.Threshold > 0 && t.Unit > 0 {
			s.RateLimits = map[string]RateLimit{"dingtalk": {Threshold: t.Threshold, Unit: t.Unit, MaxWait: t.MaxWaitTime}}
		}
	}
	return s, nil
}

// configMapValues reads the key sel names, or every key in key order.
func configMapValues(ctx context.Context, r client.Reader, sel *notificationv2beta2.ConfigmapKeySelector, namespace, field string) ([]string, error) {
	if sel.Namespace != "" {
		namespace = sel.Namespace
	}
	var cm corev1.ConfigMap
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: sel.Name}, &cm); err != nil {
		return nil, fmt.Errorf("%s: read ConfigMap %s/%s: %w", field, namespace, sel.Name, err)
	}
	if sel.Key != "" {
		v, ok := cm.Data[sel.Key]
		if !ok {
			return nil, &InvalidError{Field: field + ".key", Reason: fmt.Sprintf("ConfigMap %s/%s has no key %q", namespace, sel.Name, sel.Key)}
		}
		return []string{v}, nil
	}
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, cm.Data[k])
	}
	return out, nil
}
