package notification

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"slices"
	"strconv"
	"strings"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// DefaultEmailTimeout bounds one email delivery.
const DefaultEmailTimeout = 30 * time.Second

// Email is one rendered email.
type Email struct {
	Subject string
	// Body is the text; HTML sends it as text/html.
	Body string
	HTML bool
}

// RenderEmail renders data with the built-in templates in DefaultLanguage:
// the subject "[firing:3] alertname=PodCrash namespace=demo" (the status
// is resolved when every alert is, and the count shown above one), and
// each alert's status, name, message, labels and start in the body.
func RenderEmail(data Data) (Email, error) {
	return defaultTemplates.Email(data, "", "", false)
}

// SendEmail sends msg to the receiver's addresses through the config's
// SMTP server: HELO with Hello (localhost when unset), STARTTLS when the
// server offers it (required with RequireTLS, verified with the config's
// TLS settings), PLAIN authentication with AuthUsername and AuthPassword
// (AuthIdentify as the identity) or CRAM-MD5 with AuthSecret when the
// server offers authentication, within timeout (DefaultEmailTimeout when
// zero). The server's refusal is the error.
func SendEmail(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.EmailConfig, r *notificationv2beta2.EmailReceiver, msg Email, timeout time.Duration) error {
	switch {
	case cfg == nil:
		return &InvalidError{Field: "config.spec.email", Reason: "required"}
	case r == nil || len(r.To) == 0:
		return &InvalidError{Field: "spec.email.to", Reason: "required"}
	case cfg.From == "":
		return &InvalidError{Field: "config.spec.email.from", Reason: "required"}
	case cfg.SmartHost.Host == "" || cfg.SmartHost.Port == 0:
		return &InvalidError{Field: "config.spec.email.smartHost", Reason: "host and port are required"}
	}
	if timeout == 0 {
		timeout = DefaultEmailTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(cfg.SmartHost.Host, strconv.Itoa(cfg.SmartHost.Port))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("reach SMTP server %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, cfg.SmartHost.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("SMTP server %s: %w", addr, err)
	}
	defer func() { _ = c.Close() }()
	hello := "localhost"
	if cfg.Hello != nil && *cfg.Hello != "" {
		hello = *cfg.Hello
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("SMTP server %s: HELO: %w", addr, err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		tlsCfg, err := tlsConfig(ctx, secrets, tlsOf(cfg))
		if err != nil {
			return err
		}
		if tlsCfg.ServerName == "" {
			tlsCfg.ServerName = cfg.SmartHost.Host
		}
		if err := c.StartTLS(tlsCfg); err != nil {
			return fmt.Errorf("SMTP server %s: STARTTLS: %w", addr, err)
		}
	} else if cfg.RequireTLS != nil && *cfg.RequireTLS {
		return fmt.Errorf("SMTP server %s does not offer STARTTLS, which requireTLS asks for", addr)
	}
	if ok, mechanisms := c.Extension("AUTH"); ok {
		auth, err := emailAuth(ctx, secrets, cfg, mechanisms)
		if err != nil {
			return err
		}
		if auth != nil {
			if err := c.Auth(auth); err != nil {
				return fmt.Errorf("SMTP server %s: authenticate: %w", addr, err)
			}
		}
	}
	if err := c.Mail(cfg.From); err != nil {
		return fmt.Errorf("SMTP server %s: MAIL FROM %s: %w", addr, cfg.From, err)
	}
	for _, to := range r.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("SMTP server %s: RCPT TO %s: %w", addr, to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP server %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(compose(cfg.From, r.To, msg)); err != nil {
		return fmt.Errorf("SMTP server %s: write the message: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP server %s: the message was refused: %w", addr, err)
	}
	return c.Quit()
}

func tlsOf(cfg *notificationv2beta2.EmailConfig) *notificationv2beta2.TLSConfig {
	if cfg.TLS != nil {
		return cfg.TLS
	}
	return &notificationv2beta2.TLSConfig{}
}

// emailAuth picks PLAIN (with a username) or CRAM-MD5 (with a secret)
// among the server's mechanisms; nil when the config has no credentials.
func emailAuth(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.EmailConfig, mechanisms string) (smtp.Auth, error) {
	offered := strings.Fields(mechanisms)
	if cfg.AuthUsername != nil && *cfg.AuthUsername != "" && slices.Contains(offered, "PLAIN") {
		password, err := secrets.Value(ctx, cfg.AuthPassword)
		if err != nil {
			return nil, err
		}
		identity := ""
		if cfg.AuthIdentify != nil {
			identity = *cfg.AuthIdentify
		}
		return smtp.PlainAuth(identity, *cfg.AuthUsername, password, cfg.SmartHost.Host), nil
	}
	if cfg.AuthSecret != nil && cfg.AuthUsername != nil && slices.Contains(offered, "CRAM-MD5") {
		secret, err := secrets.Value(ctx, cfg.AuthSecret)
		if err != nil {
			return nil, err
		}
		return smtp.CRAMMD5Auth(*cfg.AuthUsername, secret), nil
	}
	return nil, nil
}

// compose writes an RFC 5322 message with a UTF-8 body.
func compose(from string, to []string, msg Email) []byte {
	var b bytes.Buffer
	kind := "text/plain"
	if msg.HTML {
		kind = "text/html"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		oneLine(from), oneLine(strings.Join(to, ", ")), mime.QEncoding.Encode("UTF-8", oneLine(msg.Subject)), time.Now().UTC().Format(time.RFC1123Z), kind)
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n"))
	return b.Bytes()
}

// oneLine keeps a header value on its line: an alert's labels, which a
// subject is made of, must not add headers.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
