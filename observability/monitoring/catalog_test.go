package monitoring

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// targetsPerLevel are the selector shapes of each level that KubeSphere's
// endpoints produce, so every template is parsed with every substitution.
var targetsPerLevel = map[Level][]Target{
	LevelCluster: {{}},
	LevelNode:    {{Node: "kwok-node-0"}, {}, {ResourcesFilter: "kwok-node-0|kwok-node-1"}},
	LevelWorkspace: {
		{Workspace: "ws1"}, {}, {ResourcesFilter: "ws.*"},
	},
	LevelNamespace: {
		{Namespace: "demo"}, {}, {Workspace: "ws1"}, {Workspace: "ws1", ResourcesFilter: "a|b"},
	},
	LevelWorkload: {
		{Namespace: "demo"}, {Namespace: "demo", WorkloadKind: "deployment", ResourcesFilter: "web"},
		{Namespace: "demo", WorkloadKind: "statefulset"}, {Namespace: "demo", WorkloadKind: "daemonset"},
	},
	LevelPod: {
		{}, {Namespace: "demo"}, {Namespace: "demo", Pod: "p"},
		{Namespace: "demo", WorkloadKind: "deployment", Workload: "web"},
		{Namespace: "demo", WorkloadKind: "statefulset", Workload: "db"},
		{Namespace: "demo", WorkloadKind: "daemonset", Workload: "agent"},
		{Node: "n1"}, {Node: "n1", Pod: "demo/p"}, {Node: "n1", Pod: "p"},
		{Node: "n1", ResourcesFilter: "p.*", NamespacedResourcesFilter: "a/p1|b/p2"},
		{NamespacedResourcesFilter: "a/p1|p2$"},
	},
	LevelContainer: {{Namespace: "demo", Pod: "p"}, {Namespace: "demo", Pod: "p", Container: "c"}},
	LevelPVC: {
		{Namespace: "demo"}, {Namespace: "demo", PVC: "data"}, {StorageClass: "fast"},
	},
	LevelIngress: {
		{Namespace: "demo"}, {Namespace: "demo", Ingress: "web", Job: "ingress-nginx", Pod: "ctl-0", Duration: 90 * time.Second},
		{Namespace: kubeSphereControlsNamespace, Ingress: "web"},
	},
}

func TestEveryTemplateParses(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	n := 0
	for _, m := range Catalog() {
		targets := targetsPerLevel[m.Level]
		if m.Level == LevelComponent {
			targets = []Target{{Component: m.Component}}
		}
		require.NotEmpty(t, targets, "no targets for level %s", m.Level)
		for _, tgt := range targets {
			tgt.Level = m.Level
			for _, step := range []time.Duration{0, 3 * time.Hour} {
				tgt.MeterStep = step
				expr, err := Expr(m.Name, tgt)
				require.NoError(t, err, "%s %+v", m.Name, tgt)
				_, err = p.ParseExpr(expr)
				assert.NoError(t, err, "%s with %+v:\n%s", m.Name, tgt, expr)
				assert.NotContains(t, expr, "$sel", m.Name)
				n++
			}
		}
	}
	t.Logf("%d metrics, %d expressions parsed", len(Catalog()), n)
}

func TestCatalogCoversKubeSphere(t *testing.T) {
	var plain, meters int
	for _, m := range Catalog() {
		assert.NotEmpty(t, m.Help, m.Name)
		assert.NotEmpty(t, m.Unit, m.Name)
		assert.True(t, strings.HasPrefix(m.Name, string(m.Level)+"_") || m.Level == LevelComponent || m.Meter, "%s at level %s", m.Name, m.Level)
		if m.Meter {
			meters++
		} else {
			plain++
		}
	}
	// KubeSphere v3.4.1 names 210 non-meter metrics at these levels; the
	// catalog adds GPU metrics on top.
	for _, name := range kubeSphereMetricNames {
		_, ok := Lookup(name)
		assert.True(t, ok, "missing %s", name)
	}
	assert.Len(t, kubeSphereMetricNames, 210+30)
	t.Logf("%d metrics, %d meters", plain, meters)
}
