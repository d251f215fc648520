package logscope_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

func TestScopeFilter(t *testing.T) {
	created := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	scope := logscope.Scope{
		Workspaces: []logscope.ScopeItem{{Name: "team-a", Created: created}},
		Namespaces: []logscope.ScopeItem{{Name: "shared", Created: created.Add(time.Hour)}},
	}
	record := func(ws, ns string, at time.Time) logstore.Record {
		return logstore.Record{Time: at, Fields: map[string]string{logscope.FieldWorkspace: ws, logscope.FieldNamespace: ns}}
	}
	tests := []struct {
		name   string
		record logstore.Record
		want   bool
	}{
		{"a namespace of the workspace", record("team-a", "web", created), true},
		{"before the workspace existed", record("team-a", "web", created.Add(-time.Second)), false},
		{"the namespace granted one by one", record("team-b", "shared", created.Add(time.Hour)), true},
		{"an earlier namespace of the same name", record("team-b", "shared", created.Add(time.Hour-time.Second)), false},
		{"another workspace", record("team-b", "web", created.Add(2*time.Hour)), false},
		{"no workspace, another namespace", record("", "other", created.Add(2*time.Hour)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, scope.Filter().Match(tt.record))
		})
	}
	assert.True(t, logscope.Scope{Cluster: true}.Filter().IsEverything())
	assert.True(t, logscope.Scope{}.Filter().IsNothing(), "no grant reads nothing")
}

// A workspace member's scope names the workspace, not its namespaces.
func ExampleScope_Filter() {
	scope := logscope.Scope{Workspaces: []logscope.ScopeItem{{Name: "team-a", Created: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}}}
	fmt.Println(scope.Filter().LogsQL())
	// Output: (("workspace":="team-a") and (_time:>=2024-03-01T00:00:00Z))
}
