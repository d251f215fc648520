package prometheus

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestInvalidOptions(t *testing.T) {
	job := func(mut func(*ScrapeConfig)) Options {
		sc := ScrapeConfig{JobName: "j", Targets: []string{"127.0.0.1:1"}}
		mut(&sc)
		return Options{ScrapeConfigs: []ScrapeConfig{sc}}
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		field string
	}{
		{"negative scrape interval", Options{ScrapeInterval: -time.Second}, "ScrapeInterval"},
		{"negative evaluation interval", Options{EvaluationInterval: -time.Second}, "EvaluationInterval"},
		{"negative start timeout", Options{StartTimeout: -time.Second}, "StartTimeout"},
		{"no job name", job(func(sc *ScrapeConfig) { sc.JobName = "" }), "ScrapeConfigs[0].JobName"},
		{"no target", job(func(sc *ScrapeConfig) { sc.Targets = nil }), "ScrapeConfigs[0].Targets"},
		{"empty target group", job(func(sc *ScrapeConfig) { sc.Targets, sc.TargetGroups = nil, []TargetGroup{{}} }), "ScrapeConfigs[0].Targets"},
		{"bad scheme", job(func(sc *ScrapeConfig) { sc.Scheme = "ftp" }), "ScrapeConfigs[0].Scheme"},
		{"negative job interval", job(func(sc *ScrapeConfig) { sc.ScrapeInterval = -1 }), "ScrapeConfigs[0].ScrapeInterval"},
		{"cert without key", job(func(sc *ScrapeConfig) { sc.TLS = &TLSConfig{Cert: []byte("c")} }), "ScrapeConfigs[0].TLS"},
		{"bad label name", job(func(sc *ScrapeConfig) { sc.Labels = map[string]string{"a-b": "x"} }), "ScrapeConfigs[0].Labels"},
		{"bad group label name", job(func(sc *ScrapeConfig) {
			sc.TargetGroups = []TargetGroup{{Targets: []string{"x:1"}, Labels: map[string]string{"": "x"}}}
		}), "ScrapeConfigs[0].Labels"},
		{"duplicate job", Options{ScrapeConfigs: []ScrapeConfig{
			{JobName: "j", Targets: []string{"a:1"}}, {JobName: "j", Targets: []string{"b:1"}},
		}}, "ScrapeConfigs[1].JobName"},
		{"bad rule file name", Options{RuleFiles: map[string]string{"a/b": ""}}, "RuleFiles"},
		{"an Alertmanager without a port", Options{Alertmanagers: []string{"127.0.0.1:9093", "localhost"}}, "Alertmanagers[1]"},
		{"control character in a label", job(func(sc *ScrapeConfig) { sc.Labels = map[string]string{"a": "x\x7f"} }), "ScrapeConfigs[0].Labels"},
		{"invalid UTF-8 in a regex", job(func(sc *ScrapeConfig) { sc.MetricRelabelConfigs = []RelabelConfig{{Regex: "\xff"}} }), "ScrapeConfigs[0].MetricRelabelConfigs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Start(context.Background(), tc.opts)
			var oe *OptionsError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tc.field, oe.Field)
		})
	}
}

// TestRenderConfig compares the configuration Start writes with a golden
// file (go test -run TestRenderConfig -update rewrites it).
func TestRenderConfig(t *testing.T) {
	dir := t.TempDir()
	repl := "$1"
	o := Options{
		Alertmanagers: []string{"127.0.0.1:9093"},
		ScrapeConfigs: []ScrapeConfig{
			{
				JobName:     "apiserver",
				Scheme:      "https",
				Targets:     []string{"127.0.0.1:6443"},
				BearerToken: "token",
				TLS:         &TLSConfig{CA: []byte("ca"), Cert: []byte("cert"), Key: []byte("key"), ServerName: "kubernetes"},
			},
			{
				JobName:        "kubelet",
				Labels:         map[string]string{"cluster": "test"},
				ScrapeInterval: 5 * time.Second,
				TargetGroups: []TargetGroup{
					{Targets: []string{"127.0.0.1:9000"}, Labels: map[string]string{"__metrics_path__": "/metrics/nodes/n0/metrics/cadvisor", "node": "n0"}},
				},
				RelabelConfigs: []RelabelConfig{{SourceLabels: []string{"node"}, TargetLabel: "instance", Replacement: &repl}},
			},
			{
				JobName:              "ksm",
				Targets:              []string{"127.0.0.1:8080"},
				MetricsPath:          "/m",
				Params:               map[string][]string{"collect[]": {"a", "b"}},
				HonorLabels:          true,
				MetricRelabelConfigs: []RelabelConfig{{Action: "labeldrop", Regex: "instance"}},
			},
		},
	}.withDefaults()
	got, err := renderConfig(o, dir, "/rules")
	require.NoError(t, err)
	// The TLS files are in dir, which changes from run to run.
	got = []byte(strings.ReplaceAll(string(got), dir, "<dir>"))
	golden := filepath.Join("testdata", "prometheus.yml.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(string(want), string(got)))
	for _, f := range []string{"job0-ca.pem", "job0-cert.pem", "job0-key.pem"} {
		assert.FileExists(t, filepath.Join(dir, "tls", f))
	}
}

// FuzzRenderConfig checks that whatever a test puts in a job name, target,
// label value, token or relabel regex comes back unchanged when the
// configuration is read as YAML: no value can add or change other settings.
func FuzzRenderConfig(f *testing.F) {
	f.Add("job", "127.0.0.1:1", "v", "tok", "(.*)")
	f.Add("a: b\nc", "x\n- y", "'\"", "#", "{]")
	f.Fuzz(func(t *testing.T, job, target, value, token, regex string) {
		o := Options{ScrapeConfigs: []ScrapeConfig{{
			JobName:        job,
			Targets:        []string{target},
			Labels:         map[string]string{"l": value},
			BearerToken:    token,
			RelabelConfigs: []RelabelConfig{{Regex: regex}},
		}}}.withDefaults()
		if job == "" || target == "" {
			return // refused by validate: required
		}
		if err := o.validate(); err != nil {
			var oe *OptionsError
			require.ErrorAs(t, err, &oe)
			for _, s := range []string{job, target, value, token, regex} {
				if !yamlText(s) {
					return // refused, rightly
				}
			}
			t.Fatalf("refused text YAML can carry: %v", err)
		}
		out, err := renderConfig(o, t.TempDir(), "/rules")
		require.NoError(t, err)
		var back promConfig
		require.NoError(t, yaml.Unmarshal(out, &back))
		require.Len(t, back.ScrapeConfigs, 1)
		sc := back.ScrapeConfigs[0]
		assert.Equal(t, job, sc.JobName)
		assert.Equal(t, []string{target}, sc.StaticConfigs[0].Targets)
		assert.Equal(t, value, sc.StaticConfigs[0].Labels["l"])
		assert.Equal(t, regex, sc.RelabelConfigs[0].Regex)
		if token != "" {
			assert.Equal(t, token, sc.Authorization.Credentials)
		}
		assert.Equal(t, []string{"/rules/*.yaml"}, back.RuleFiles)
	})
}
