package prometheus

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"sigs.k8s.io/yaml"
)

// The shapes below are the part of Prometheus's configuration file that
// Options can express, with its field names.
type promConfig struct {
	Global        promGlobal    `json:"global"`
	RuleFiles     []string      `json:"rule_files"`
	ScrapeConfigs []promScrape  `json:"scrape_configs,omitempty"`
	Alerting      *promAlerting `json:"alerting,omitempty"`
}

type promAlerting struct {
	Alertmanagers []promAlertmanager `json:"alertmanagers"`
}

type promAlertmanager struct {
	APIVersion    string       `json:"api_version"`
	StaticConfigs []promStatic `json:"static_configs"`
}

type promGlobal struct {
	ScrapeInterval     string `json:"scrape_interval"`
	ScrapeTimeout      string `json:"scrape_timeout"`
	EvaluationInterval string `json:"evaluation_interval"`
}

type promScrape struct {
	JobName              string              `json:"job_name"`
	ScrapeInterval       string              `json:"scrape_interval,omitempty"`
	ScrapeTimeout        string              `json:"scrape_timeout,omitempty"`
	Scheme               string              `json:"scheme,omitempty"`
	MetricsPath          string              `json:"metrics_path,omitempty"`
	Params               map[string][]string `json:"params,omitempty"`
	HonorLabels          bool                `json:"honor_labels,omitempty"`
	Authorization        *promAuthorization  `json:"authorization,omitempty"`
	TLSConfig            *promTLS            `json:"tls_config,omitempty"`
	StaticConfigs        []promStatic        `json:"static_configs"`
	RelabelConfigs       []promRelabel       `json:"relabel_configs,omitempty"`
	MetricRelabelConfigs []promRelabel       `json:"metric_relabel_configs,omitempty"`
}

type promAuthorization struct {
	Type        string `json:"type"`
	Credentials string `json:"credentials"`
}

type promTLS struct {
	CAFile             string `json:"ca_file,omitempty"`
	CertFile           string `json:"cert_file,omitempty"`
	KeyFile            string `json:"key_file,omitempty"`
	ServerName         string `json:"server_name,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

type promStatic struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels,omitempty"`
}

type promRelabel struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Separator    string   `json:"separator,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
	Action       string   `json:"action,omitempty"`
}

// renderConfig writes Prometheus's configuration for o into dir (TLS files
// under dir/tls) and returns it. Rules are read from rulesDir/*.yaml.
func renderConfig(o Options, dir, rulesDir string) ([]byte, error) {
	cfg := promConfig{
		Global: promGlobal{
			ScrapeInterval:     o.ScrapeInterval.String(),
			ScrapeTimeout:      o.ScrapeInterval.String(),
			EvaluationInterval: o.EvaluationInterval.String(),
		},
		RuleFiles: []string{filepath.Join(rulesDir, "*.yaml")},
	}
	if len(o.Alertmanagers) > 0 {
		cfg.Alerting = &promAlerting{Alertmanagers: []promAlertmanager{{APIVersion: "v2", StaticConfigs: []promStatic{{Targets: o.Alertmanagers}}}}}
	}
	for i, sc := range o.ScrapeConfigs {
		ps := promScrape{
			JobName:              sc.JobName,
			Scheme:               sc.Scheme,
			MetricsPath:          sc.MetricsPath,
			Params:               sc.Params,
			HonorLabels:          sc.HonorLabels,
			RelabelConfigs:       relabels(sc.RelabelConfigs),
			MetricRelabelConfigs: relabels(sc.MetricRelabelConfigs),
		}
		if sc.ScrapeInterval > 0 {
			ps.ScrapeInterval = sc.ScrapeInterval.String()
			ps.ScrapeTimeout = sc.ScrapeInterval.String()
		}
		if sc.BearerToken != "" {
			ps.Authorization = &promAuthorization{Type: "Bearer", Credentials: sc.BearerToken}
		}
		if sc.TLS != nil {
			t, err := writeTLS(*sc.TLS, filepath.Join(dir, "tls"), "job"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			ps.TLSConfig = t
		}
		if len(sc.Targets) > 0 {
			ps.StaticConfigs = append(ps.StaticConfigs, promStatic{Targets: sc.Targets, Labels: sc.Labels})
		}
		for _, g := range sc.TargetGroups {
			labels := map[string]string{}
			for k, v := range sc.Labels {
				labels[k] = v
			}
			for k, v := range g.Labels {
				labels[k] = v
			}
			ps.StaticConfigs = append(ps.StaticConfigs, promStatic{Targets: g.Targets, Labels: labels})
		}
		cfg.ScrapeConfigs = append(cfg.ScrapeConfigs, ps)
	}
	return yaml.Marshal(cfg)
}

func relabels(in []RelabelConfig) []promRelabel {
	out := make([]promRelabel, 0, len(in))
	for _, r := range in {
		out = append(out, promRelabel(r))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// writeTLS writes the PEM contents of t into dir, named after prefix.
func writeTLS(t TLSConfig, dir, prefix string) (*promTLS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	out := &promTLS{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	for _, f := range []struct {
		data []byte
		name string
		dst  *string
	}{{t.CA, "ca.pem", &out.CAFile}, {t.Cert, "cert.pem", &out.CertFile}, {t.Key, "key.pem", &out.KeyFile}} {
		if len(f.data) == 0 {
			continue
		}
		p := filepath.Join(dir, prefix+"-"+f.name)
		if err := os.WriteFile(p, f.data, 0o600); err != nil {
			return nil, fmt.Errorf("prometheus: %w", err)
		}
		*f.dst = p
	}
	return out, nil
}
