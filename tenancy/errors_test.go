package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
)

// TestNotFoundWrapsTheAPIAnswer: an input naming a missing object is a
// *NotFoundError naming the input, and, since the API server said so, the
// Kubernetes helpers see its NotFound through it, as tenancy/doc.go
// promises.
func TestNotFoundWrapsTheAPIAnswer(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	tests := []struct {
		name  string
		err   func() error
		field string
	}{
		{"unknown user", func() error { return tc.AddMember(ctx, tenancy.Workspace(ws), "ghost-user", "viewer") }, "user"},
		{"unknown workspace", func() error { return tc.AddMember(ctx, tenancy.Workspace("ghost-ws"), "x", "viewer") }, "workspace"},
		{"unknown project", func() error {
			_, err := tc.SetProjectQuota(ctx, "ghost-project", nil)
			return err
		}, "project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			var nf *tenancy.NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, tt.field, nf.Field)
			assert.ErrorIs(t, err, tenancy.ErrNotFound)
			assert.True(t, apierrors.IsNotFound(err), "apierrors.IsNotFound(%v)", err)
			assert.NoError(t, client.IgnoreNotFound(err))
		})
	}
}
