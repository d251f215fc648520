package kubestatemetrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllowlistFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string][]string
		want string
	}{
		{"default", DefaultMetricLabelsAllowlist(), "namespaces=[kubesphere.io/workspace]"},
		{"sorted by resource", map[string][]string{"pods": {"app", "tier"}, "namespaces": {"*"}}, "namespaces=[*],pods=[app,tier]"},
		{"empty", map[string][]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, allowlistFlag(tc.in))
		})
	}
}

func TestDefaultsAreFresh(t *testing.T) {
	a := DefaultMetricLabelsAllowlist()
	a["namespaces"][0] = "changed"
	assert.Equal(t, WorkspaceLabel, DefaultMetricLabelsAllowlist()["namespaces"][0])
	assert.Equal(t, DefaultMetricLabelsAllowlist(), Options{}.withDefaults().MetricLabelsAllowlist)
	assert.Empty(t, Options{MetricLabelsAllowlist: map[string][]string{}}.withDefaults().MetricLabelsAllowlist, "an empty map stays empty")
}
