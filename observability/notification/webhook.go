package notification

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Data is what one notification carries, in notification-manager's
// template data shape (the body its webhook channel posts): the alerts,
// and the labels and annotations they all share.
type Data struct {
	Alerts            []Alert           `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
}

// NewData is the Data of alerts grouped by groupLabels: the common labels
// and annotations are those every alert has with the same non-empty value.
func NewData(alerts []Alert, groupLabels map[string]string) Data {
	d := Data{Alerts: alerts, GroupLabels: groupLabels, CommonLabels: map[string]string{}, CommonAnnotations: map[string]string{}}
	if d.GroupLabels == nil {
		d.GroupLabels = map[string]string{}
	}
	common := func(get func(Alert) map[string]string, out map[string]string) {
		if len(alerts) == 0 {
			return
		}
		for k, v := range get(alerts[0]) {
			if v == "" {
				continue
			}
			shared := true
			for _, a := range alerts[1:] {
				shared = shared && get(a)[k] == v
			}
			if shared {
				out[k] = v
			}
		}
	}
	common(func(a Alert) map[string]string { return a.Labels }, d.CommonLabels)
	common(func(a Alert) map[string]string { return a.Annotations }, d.CommonAnnotations)
	return d
}

// Secrets reads the values of Credentials: inline, or a key of a Secret.
type Secrets struct {
	// Reader reads Secrets (a cache, or a client). Required for
	// credentials from Secrets.
	Reader client.Reader
	// Namespace is where a secretKeyRef without a namespace looks: the
	// NotificationManager's default secret namespace.
	Namespace string
}

// Value returns c's value. A missing Secret or key is an error naming it.
func (s Secrets) Value(ctx context.Context, c *notificationv2beta2.Credential) (string, error) {
	switch {
	case c == nil:
		return "", nil
	case c.Value != "":
		return c.Value, nil
	case c.ValueFrom == nil || c.ValueFrom.SecretKeyRef == nil:
		return "", &InvalidError{Field: "credential", Reason: "neither a value nor a secretKeyRef"}
	case s.Reader == nil:
		return "", &InvalidError{Field: "Secrets.Reader", Reason: "required to read a credential from a Secret"}
	}
	ref := c.ValueFrom.SecretKeyRef
	ns := ref.Namespace
	if ns == "" {
		ns = s.Namespace
	}
	var secret corev1.Secret
	if err := s.Reader.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, &secret); err != nil {
		return "", fmt.Errorf("read secret %s/%s: %w", ns, ref.Name, err)
	}
	v, ok := secret.Data[ref.Key]
	if !ok {
		return "", &InvalidError{Field: "credential", Reason: fmt.Sprintf("secret %s/%s has no key %q", ns, ref.Name, ref.Key)}
	}
	return string(v), nil
}

// DefaultWebhookTimeout bounds one webhook request, as notification-
// manager's default.
const DefaultWebhookTimeout = 5 * time.Second

// Required is Value, with an empty value refused as an *InvalidError
// naming field.
func (s Secrets) Required(ctx context.Context, c *notificationv2beta2.Credential, field string) (string, error) {
	v, err := s.Value(ctx, c)
	if err == nil && v == "" {
		err = &InvalidError{Field: field, Reason: "required"}
	}
	return v, err
}

// SendWebhook posts data as JSON to the receiver's webhook: its URL, or
// its Service (scheme://name.namespace.svc:port/path, http and port 80
// by default), with its bearer token or basic authentication and its TLS
// settings, within timeout (DefaultWebhookTimeout when zero). A status
// other than 2xx is an error carrying the status and the start of the
// answer.
func SendWebhook(ctx context.Context, secrets Secrets, r *notificationv2beta2.WebhookReceiver, data Data, timeout time.Duration) error {
	if r == nil {
		return &InvalidError{Field: "spec.webhook", Reason: "required"}
	}
	target, err := webhookURL(r)
	if err != nil {
		return err
	}
	body, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode the notification: %w", err)
	}
	if timeout == 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &InvalidError{Field: "spec.webhook.url", Reason: err.Error(), Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if h := r.HTTPConfig; h != nil {
		switch {
		case h.BearerToken != nil:
			token, err := secrets.Value(ctx, h.BearerToken)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+token)
		case h.BasicAuth != nil:
			password, err := secrets.Value(ctx, h.BasicAuth.Password)
			if err != nil {
				return err
			}
			req.SetBasicAuth(h.BasicAuth.Username, password)
		}
		if h.ProxyURL != "" {
			proxy, err := url.Parse(h.ProxyURL)
			if err != nil {
				return &InvalidError{Field: "spec.webhook.httpConfig.proxyUrl", Reason: err.Error(), Err: err}
			}
			transport.Proxy = http.ProxyURL(proxy)
		}
		if h.TLSConfig != nil {
			if transport.TLSClientConfig, err = tlsConfig(ctx, secrets, h.TLSConfig); err != nil {
				return err
			}
		}
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return fmt.Errorf("post to %s: %w", target, err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("post to %s: %s: %s", target, resp.Status, bytes.TrimSpace(answer))
	}
	return nil
}

func webhookURL(r *notificationv2beta2.WebhookReceiver) (string, error) {
	switch {
	case r.URL != nil && r.Service == nil:
		if _, err := url.ParseRequestURI(*r.URL); err != nil {
			return "", &InvalidError{Field: "spec.webhook.url", Reason: err.Error(), Err: err}
		}
		return *r.URL, nil
	case r.Service != nil && r.URL == nil:
		s := r.Service
		scheme, port, path := "http", int32(80), ""
		if s.Scheme != nil {
			scheme = *s.Scheme
		}
		if s.Port != nil {
			port = *s.Port
		}
		if s.Path != nil {
			path = *s.Path
		}
		return scheme + "://" + s.Name + "." + s.Namespace + ".svc:" + strconv.Itoa(int(port)) + path, nil
	}
	return "", &InvalidError{Field: "spec.webhook", Reason: "one of url or service is required"}
}

func tlsConfig(ctx context.Context, secrets Secrets, t *notificationv2beta2.TLSConfig) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // the receiver asks for it
	if t.RootCA != nil {
		pem, err := secrets.Value(ctx, t.RootCA)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM([]byte(pem)) {
			return nil, &InvalidError{Field: "tlsConfig.rootCA", Reason: "holds no PEM certificate"}
		}
	}
	if cc := t.ClientCertificate; cc != nil {
		certPEM, err := secrets.Value(ctx, cc.Cert)
		if err != nil {
			return nil, err
		}
		keyPEM, err := secrets.Value(ctx, cc.Key)
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
		if err != nil {
			return nil, &InvalidError{Field: "tlsConfig.clientCertificate", Reason: err.Error(), Err: err}
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// Group splits a delivery's alerts into notifications by the values of
// groupLabels, as notification-manager's aggregation stage does: one Data
// per distinct combination (a missing label counts as empty), whose
// GroupLabels are its non-empty values, in the order the groups first
// appear. Without groupLabels one Data holds every alert.
func Group(alerts []Alert, groupLabels []string) []Data {
	var order []string
	groups := map[string][]Alert{}
	keys := map[string]map[string]string{}
	for _, a := range alerts {
		values := make([]string, len(groupLabels))
		labels := map[string]string{}
		for i, l := range groupLabels {
			values[i] = a.Labels[l]
			if v := a.Labels[l]; v != "" {
				labels[l] = v
			}
		}
		key, _ := json.Marshal(values)
		k := string(key)
		if _, seen := groups[k]; !seen {
			order = append(order, k)
			keys[k] = labels
		}
		groups[k] = append(groups[k], a)
	}
	out := make([]Data, 0, len(order))
	for _, k := range order {
		out = append(out, NewData(groups[k], keys[k]))
	}
	return out
}
