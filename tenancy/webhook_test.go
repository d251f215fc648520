package tenancy_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// TestDuplicateEmailRefusedByWebhook writes users directly, as kubectl
// would: the API server asks the webhook, which refuses a taken address.
func TestDuplicateEmailRefusedByWebhook(t *testing.T) {
	ctx := context.Background()
	first := newUser(t, "first")
	n := name("second")
	err := env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(n), Spec: iamv1beta1.UserSpec{Email: first + "@example.com"}})
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(err), "denied by admission: %v", err)
	assert.Contains(t, err.Error(), "spec.email")
	assert.False(t, exists(t, &iamv1beta1.User{ObjectMeta: metaName(n)}))

	// Changing one's own user keeps the address.
	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := getUser(t, first)
		u.Spec.DisplayName = "First"
		return env.Client.Update(ctx, u)
	}))
}

// TestWorkspaceQuotaAdmission checks that creates beyond a workspace quota
// are refused by the API server, and that of several creates racing for the
// last units in different projects, exactly as many as fit are admitted.
func TestWorkspaceQuotaAdmission(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		hard     int64
		parallel int
	}{
		{name: "two race for one", hard: 1, parallel: 2},
		{name: "six race for three", hard: 3, parallel: 6},
	}
	for _, tt := range tests {
		for round := range 3 {
			t.Run(fmt.Sprintf("%s/round-%d", tt.name, round), func(t *testing.T) {
				ws := newWorkspace(t, "")
				projects := []string{newProject(t, ws, ""), newProject(t, ws, "")}
				_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"count/secrets": *resource.NewQuantity(tt.hard, resource.DecimalSI)})
				require.NoError(t, err)
				waitQuotaCounted(t, ws, 2)

				var wg sync.WaitGroup
				errs := make([]error, tt.parallel)
				start := make(chan struct{})
				for i := range tt.parallel {
					wg.Go(func() {
						<-start
						errs[i] = env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "race-", Namespace: projects[i%2]}})
					})
				}
				close(start)
				wg.Wait()
				admitted := 0
				for _, err := range errs {
					if err == nil {
						admitted++
						continue
					}
					assert.True(t, apierrors.IsForbidden(err), "refused by admission: %v", err)
					assert.True(t, strings.Contains(err.Error(), "exceeded workspace quota") || strings.Contains(err.Error(), "exceeded quota"), "%v", err)
				}
				assert.Equal(t, int(tt.hard), admitted, "exactly the quota's worth is admitted")

				var total int
				for _, p := range projects {
					var secrets corev1.SecretList
					require.NoError(t, env.Client.List(ctx, &secrets, inNamespace(p)))
					total += len(secrets.Items)
				}
				assert.Equal(t, int(tt.hard), total)
			})
		}
	}
}
