package monitoring

import (
	"log/slog"
	"regexp"
	"slices"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestRecordingRulesParse(t *testing.T) {
	groups, errs := rulefmt.Parse(RecordingRules(), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	require.NotEmpty(t, groups.Groups)

	// Every recorded series the catalog reads is produced by a rule.
	recorded := map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			recorded[r.Record] = true
		}
	}
	series := regexp.MustCompile(`[a-z_0-9]*:[a-z_0-9]+:[a-z_0-9]*`)
	for _, m := range Catalog() {
		for _, name := range series.FindAllString(m.expr, -1) {
			assert.True(t, recorded[name], "%s reads %s, which no rule records", m.Name, name)
		}
	}
}

func TestPrometheusRule(t *testing.T) {
	pr, err := PrometheusRule("kubesphere-monitoring-system", "spherekit-recording")
	require.NoError(t, err)
	assert.Equal(t, "PrometheusRule", pr.Kind)
	assert.Equal(t, "monitoring.coreos.com/v1", pr.APIVersion)
	assert.Equal(t, "k8s", pr.Labels["prometheus"])

	// The object's rules are the file's, rule for rule: render the spec back
	// to a rules file and let Prometheus's parser compare.
	out, err := yaml.Marshal(pr.Spec)
	require.NoError(t, err)
	back, errs := rulefmt.Parse(out, true, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	orig, errs := rulefmt.Parse(RecordingRules(), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	require.Len(t, back.Groups, len(orig.Groups))
	for i := range orig.Groups {
		assert.Equal(t, orig.Groups[i].Name, back.Groups[i].Name)
		require.Len(t, back.Groups[i].Rules, len(orig.Groups[i].Rules))
		for j, r := range orig.Groups[i].Rules {
			b := back.Groups[i].Rules[j]
			assert.Equal(t, r.Record, b.Record)
			assert.Equal(t, r.Expr, b.Expr)
			assert.True(t, maps(r.Labels, b.Labels), "%s labels", r.Record)
		}
	}
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	return !slices.ContainsFunc(keys, func(k string) bool { return a[k] != b[k] })
}
