package fielderr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	"github.com/spherekit/spherekit/tenancy/authz"
)

func TestShapes(t *testing.T) {
	apiNotFound := apierrors.NewNotFound(schema.GroupResource{Group: "iam.kubesphere.io", Resource: "users"}, "ghost")
	tests := []struct {
		name        string
		err         error
		msg         string
		notFound    bool // errors.Is(err, ErrNotFound)
		apiNotFound bool // apierrors.IsNotFound and client.IgnoreNotFound see it
	}{
		{"invalid", &fielderr.Invalid{Field: "name", Reason: "too long"}, "invalid name: too long", false, false},
		{"invalid wrapping", fmt.Errorf("create: %w", &fielderr.Invalid{Field: "spec", Reason: "bad", Err: apiNotFound}), "create: invalid spec: bad", false, true},
		{"not found alone", &fielderr.NotFound{Field: "user", Kind: "User", Name: "ghost"}, `user: User "ghost" not found`, true, false},
		{"not found from the API", fmt.Errorf("add: %w", &fielderr.NotFound{Field: "user", Kind: "User", Name: "ghost", Err: apiNotFound}), `add: user: User "ghost" not found`, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.msg, tt.err.Error())
			assert.Equal(t, tt.notFound, errors.Is(tt.err, fielderr.ErrNotFound))
			assert.Equal(t, tt.notFound, errors.Is(tt.err, tenancy.ErrNotFound))
			assert.Equal(t, tt.apiNotFound, apierrors.IsNotFound(tt.err))
			assert.Equal(t, tt.apiNotFound, client.IgnoreNotFound(tt.err) == nil)
		})
	}
}

// TestOneShape: whichever package refused the input, a caller branches on
// one type.
func TestOneShape(t *testing.T) {
	for _, err := range []error{
		&tenancy.InvalidError{Field: "a", Reason: "b"},
		&authz.InvalidError{Field: "a", Reason: "b"},
		&resources.InvalidError{Field: "a", Reason: "b"},
	} {
		var ie *tenancy.InvalidError
		assert.True(t, errors.As(fmt.Errorf("wrapped: %w", err), &ie))
		assert.Equal(t, "a", ie.Field)
	}
}
