package authz

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVisible(t *testing.T) {
	az, err := NewFromObjects(policy()...)
	require.NoError(t, err)
	tests := []struct {
		name       string
		u          User
		workspaces Visible
		inWS1      Visible
		anywhere   Visible
	}{
		{"platform admin sees everything", User{Name: "root"}, Visible{All: true}, Visible{Names: s("demo")}, Visible{All: true}},
		{"workspace viewer sees the workspace and all its projects", User{Name: "wendy"}, Visible{Names: s("ws1")}, Visible{Names: s("demo")}, Visible{Names: s("demo")}},
		{"project member sees the project and its workspace", User{Name: "olga"}, Visible{Names: s("ws1")}, Visible{Names: s("demo")}, Visible{Names: s("demo")}},
		{"group member of a project outside workspaces", User{Name: "dan", Groups: s("devs")}, Visible{Names: []string{}}, Visible{Names: []string{}}, Visible{Names: s("loose")}},
		{"cluster role without namespaces sees nothing", User{Name: "nina"}, Visible{Names: []string{}}, Visible{Names: []string{}}, Visible{Names: []string{}}},
		{"stranger", User{Name: "mallory"}, Visible{Names: []string{}}, Visible{Names: []string{}}, Visible{Names: []string{}}},
	}
	norm := func(v Visible) Visible {
		if v.Names == nil {
			v.Names = []string{}
		}
		return v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, norm(tt.workspaces), norm(az.VisibleWorkspaces(tt.u)), "workspaces")
			assert.Equal(t, norm(tt.inWS1), norm(az.VisibleProjects(tt.u, "ws1")), "projects of ws1")
			assert.Equal(t, norm(tt.anywhere), norm(az.VisibleProjects(tt.u, "")), "projects anywhere")
		})
	}
}
