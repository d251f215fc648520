package notification

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"sigs.k8s.io/yaml"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// DefaultLanguage is the language notifications are rendered in unless
// told otherwise: label names and statuses as they are.
const DefaultLanguage = "English"

// The built-in templates, by the names notification-manager gives its
// defaults, so that templates written for it can call them.
const (
	// TemplateMessage renders one alert: its status and its message.
	TemplateMessage = "nm.default.message"
	// TemplateSubject renders a notification's subject line.
	TemplateSubject = "nm.default.subject"
	// TemplateText renders a notification's body as plain text.
	TemplateText = "nm.default.text"
	// TemplateMarkdown renders a notification's body as Markdown.
	TemplateMarkdown = "nm.default.markdown"
)

// builtin defines the built-in templates. Statuses and label names go
// through translate, so a language pack changes them.
const builtin = `
{{- define "nm.default.message" }}{{ if .Status }}[{{ .Status | translate }}] {{ end }}{{ . | message }}{{ end }}
{{- define "nm.default.subject" }}[{{ with .Status }}{{ . | translate }}{{ else }}{{ "firing" | translate }}{{ end }}{{ if gt (len .Alerts) 1 }}:{{ len .Alerts }}{{ end }}]{{ range .GroupLabels.SortedPairs }} {{ .Name }}={{ .Value }}{{ end }}{{ end }}
{{- define "nm.default.text" }}{{ range .Alerts }}{{ .Status | translate }}: {{ .Labels.alertname }}
{{ with . | message }}  {{ . }}
{{ end }}{{ range .Labels.SortedPairs }}  {{ .Name | translate }}={{ .Value }}
{{ end }}  {{ "since" | translate }} {{ .StartsAt.UTC.Format "2006-01-02 15:04:05 MST" }}

{{ end }}{{ end }}
{{- define "nm.default.markdown" }}{{ range .Alerts }}### {{ template "nm.default.message" . }}
{{ range .Labels.SortedPairs }}- {{ .Name | translate }}: {{ .Value }}
{{ end }}{{ range .Annotations.SortedPairs.DefaultFilter }}- {{ .Name | translate }}: {{ .Value }}
{{ end }}
{{ end }}{{ end }}`

// TemplateOptions configures NewTemplates.
type TemplateOptions struct {
	// Text holds template definitions ({{define "name"}}...{{end}}, Go
	// text/template) added to the built-in ones; a definition with a
	// built-in's name replaces it. A receiver's template field names the
	// one it is rendered with.
	Text []string
	// Language is the language translate renders in; empty means
	// DefaultLanguage.
	Language string
	// LanguagePacks are language packs in notification-manager's format:
	// YAML lists of {name, dictionary}, the dictionary mapping a word
	// (matched ignoring case) to its translation in the language name.
	LanguagePacks []string
}

// Templates render notifications with Go text/template, as
// notification-manager's templates do: a template sees the
// notification's Alerts, GroupLabels, CommonLabels, CommonAnnotations and
// Status (firing, resolved, or empty when mixed); each alert its Status,
// Labels, Annotations, StartsAt, EndsAt and Message (the message, summary
// or summary_cn annotation, the first set). Label and annotation maps
// have SortedPairs (alertname first, then by name; rule_id hidden) of
// Name and Value, with Filter(names...) and DefaultFilter (dropping the
// annotations shown as the message). The functions translate (a word in
// the language), message (an alert's message, summary_cn first for
// zh-cn) and escape (a JSON string's inside) are there. A missing key
// renders as the zero value. Templates are safe for concurrent use.
type Templates struct {
	tmpl       *template.Template
	dictionary map[string]string
}

// languagePack is one language of a language pack.
type languagePack struct {
	Name       string            `json:"name"`
	Dictionary map[string]string `json:"dictionary"`
}

// NewTemplates parses opts, refusing a template that does not parse or a
// language pack that is not one with an *InvalidError naming it.
func NewTemplates(opts TemplateOptions) (*Templates, error) {
	language := opts.Language
	if language == "" {
		language = DefaultLanguage
	}
	t := &Templates{dictionary: map[string]string{}}
	for i, pack := range opts.LanguagePacks {
		var langs []languagePack
		if err := yaml.UnmarshalStrict([]byte(pack), &langs); err != nil {
			return nil, &InvalidError{Field: fmt.Sprintf("languagePacks[%d]", i), Reason: "not a language pack: " + err.Error(), Err: err}
		}
		for _, l := range langs {
			if l.Name != language {
				continue
			}
			for word, translation := range l.Dictionary {
				t.dictionary[strings.ToLower(word)] = translation
			}
		}
	}
	funcs := template.FuncMap{
		"translate": t.translate,
		"message": func(a templateAlert) string {
			if language == "zh-cn" {
				return first(a.Annotations, "summary_cn", "message", "summary")
			}
			return a.Message()
		},
		"escape": func(s string) string {
			b, _ := json.Marshal(s) // a string always marshals
			return string(b[1 : len(b)-1])
		},
	}
	t.tmpl = template.Must(template.New("").Option("missingkey=zero").Funcs(funcs).Parse(builtin))
	for i, text := range opts.Text {
		var err error
		if t.tmpl, err = t.tmpl.Parse(text); err != nil {
			return nil, &InvalidError{Field: fmt.Sprintf("text[%d]", i), Reason: err.Error(), Err: err}
		}
	}
	return t, nil
}

func (t *Templates) translate(word string) string {
	if s, ok := t.dictionary[strings.ToLower(word)]; ok {
		return s
	}
	return word
}

// Render renders data with the template called name. An unknown name is
// an *InvalidError; a template that fails while rendering is the error.
func (t *Templates) Render(name string, data Data) (string, error) {
	if t.tmpl.Lookup(name) == nil {
		return "", &InvalidError{Field: "template", Reason: fmt.Sprintf("no template %q", name)}
	}
	var b bytes.Buffer
	if err := t.tmpl.ExecuteTemplate(&b, name, newTemplateData(data)); err != nil {
		return "", fmt.Errorf("render template %q: %w", name, err)
	}
	return b.String(), nil
}

// Email renders data as an email: the subject with subject
// (TemplateSubject when empty), on one line, and the body with body
// (TemplateText when empty), sent as HTML when html is set.
func (t *Templates) Email(data Data, subject, body string, html bool) (Email, error) {
	if subject == "" {
		subject = TemplateSubject
	}
	if body == "" {
		body = TemplateText
	}
	s, err := t.Render(subject, data)
	if err != nil {
		return Email{}, err
	}
	b, err := t.Render(body, data)
	if err != nil {
		return Email{}, err
	}
	return Email{Subject: strings.TrimSpace(s), Body: b, HTML: html}, nil
}

// Text renders data as chat text: the subject, a blank line, then the
// body with name (TemplateText when empty).
func (t *Templates) Text(data Data, name string) (string, error) {
	msg, err := t.Email(data, "", name, false)
	if err != nil {
		return "", err
	}
	return msg.Subject + "\n\n" + msg.Body, nil
}

// defaultTemplates are the built-in templates in DefaultLanguage; they
// never change once made.
var defaultTemplates = func() *Templates {
	t, err := NewTemplates(TemplateOptions{})
	if err != nil {
		panic(err)
	}
	return t
}()

// templateData is what a template sees of a notification.
type templateData struct {
	Alerts                                       []templateAlert
	GroupLabels, CommonLabels, CommonAnnotations kv
}

// Status is firing or resolved when every alert is, else empty.
func (d templateData) Status() string {
	firing, resolved := 0, 0
	for _, a := range d.Alerts {
		switch a.Status {
		case StatusFiring:
			firing++
		case StatusResolved:
			resolved++
		}
	}
	switch len(d.Alerts) {
	case firing:
		return StatusFiring
	case resolved:
		return StatusResolved
	}
	return ""
}

// templateAlert is what a template sees of an alert.
type templateAlert struct {
	Status              string
	Labels, Annotations kv
	StartsAt, EndsAt    time.Time
	GeneratorURL        string
	Fingerprint         string
}

// Message is the alert's message, summary or summary_cn annotation, the
// first that is set.
func (a templateAlert) Message() string {
	return first(a.Annotations, "message", "summary", "summary_cn")
}

func first(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

func newTemplateData(d Data) templateData {
	out := templateData{GroupLabels: d.GroupLabels, CommonLabels: d.CommonLabels, CommonAnnotations: d.CommonAnnotations}
	for _, a := range d.Alerts {
		out.Alerts = append(out.Alerts, templateAlert{Status: a.Status, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt, EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint})
	}
	return out
}

// kv is a label or annotation map as templates see it.
type kv map[string]string

// pair is one label or annotation.
type pair struct{ Name, Value string }

// pairs is a list of labels or annotations.
type pairs []pair

// hiddenLabels are left out of SortedPairs; shownAsMessage are the
// annotations DefaultFilter leaves out.
var (
	hiddenLabels   = []string{"rule_id"}
	shownAsMessage = []string{"runbook_url", "message", "summary", "summary_cn"}
)

// SortedPairs is the map's pairs, alertname first, then by name, without
// rule_id.
func (m kv) SortedPairs() pairs {
	out := make(pairs, 0, len(m))
	for k, v := range m {
		if !slices.Contains(hiddenLabels, k) {
			out = append(out, pair{k, v})
		}
	}
	slices.SortFunc(out, func(a, b pair) int {
		switch {
		case a.Name == b.Name:
			return 0
		case a.Name == "alertname":
			return -1
		case b.Name == "alertname":
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Names is the sorted pairs' names.
func (m kv) Names() []string { return m.SortedPairs().Names() }

// Values is the sorted pairs' values.
func (m kv) Values() []string { return m.SortedPairs().Values() }

// Filter is ps without the pairs named.
func (ps pairs) Filter(names ...string) pairs {
	return slices.DeleteFunc(slices.Clone(ps), func(p pair) bool { return slices.Contains(names, p.Name) })
}

// DefaultFilter is ps without rule_id and the annotations shown as the
// message.
func (ps pairs) DefaultFilter() pairs {
	return ps.Filter(append(slices.Clone(hiddenLabels), shownAsMessage...)...)
}

// Names is the pairs' names.
func (ps pairs) Names() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// Values is the pairs' values.
func (ps pairs) Values() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Value)
	}
	return out
}

// templates is what d renders with.
func (d *Deliverer) templates() *Templates {
	if d.Templates != nil {
		return d.Templates
	}
	return defaultTemplates
}

// text renders data as the chat text of the receiver's channel, with the
// template the receiver names for it (TemplateText when none).
func (d *Deliverer) text(rcv *notificationv2beta2.Receiver, channel string, data Data) (string, error) {
	var name *string
	if rcv != nil {
		s := rcv.Spec
		switch {
		case channel == "slack" && s.Slack != nil:
			name = s.Slack.Template
		case channel == "dingtalk" && s.DingTalk != nil:
			name = s.DingTalk.Template
		case channel == "wechat" && s.Wechat != nil:
			name = s.Wechat.Template
		case channel == "feishu" && s.Feishu != nil:
			name = s.Feishu.Template
		case channel == "pushover" && s.Pushover != nil:
			name = s.Pushover.Template
		case channel == "sms" && s.Sms != nil:
			name = s.Sms.Template
		case channel == "discord" && s.Discord != nil:
			name = s.Discord.Template
		case channel == "telegram" && s.Telegram != nil:
			name = s.Telegram.Template
		}
	}
	return d.templates().Text(data, deref(name))
}

// email renders data as the receiver's email, with the subject and body
// templates it names (TemplateSubject and TemplateText when none); its
// tmplType html sends the body as HTML.
func (d *Deliverer) email(rcv *notificationv2beta2.Receiver, data Data) (Email, error) {
	var subject, body, typ *string
	if rcv != nil && rcv.Spec.Email != nil {
		subject, body, typ = rcv.Spec.Email.SubjectTemplate, rcv.Spec.Email.Template, rcv.Spec.Email.TmplType
	}
	return d.templates().Email(data, deref(subject), deref(body), deref(body) != "" && deref(typ) == "html")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
