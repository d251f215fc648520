package ensure_test

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/internal/ensure"
	"github.com/spherekit/spherekit/testenv"
)

var env *testenv.Cluster

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
}

// TestObjectRetriesAConflict has another writer change the object on the
// real API server between Object's read and its update, as a controller
// writing status does: the update conflicts, and Object reads and merges
// again, keeping the other writer's change.
func TestObjectRetriesAConflict(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: ns}, Data: map[string]string{"a": "1"}}
	require.NoError(t, env.Client.Create(ctx, cm))

	base, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	require.NoError(t, err)
	interfered := 0
	c := interceptor.NewClient(base, interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if interfered < 2 {
				interfered++
				other := &corev1.ConfigMap{}
				require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(obj), other))
				other.Labels = map[string]string{"other-writer": "was-here"}
				require.NoError(t, c.Update(ctx, other))
			}
			return c.Update(ctx, obj, opts...)
		},
	})
	want := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: ns, Labels: map[string]string{"mine": "yes"}}, Data: map[string]string{"a": "2"}}
	require.NoError(t, ensure.Object(ctx, c, want, "test"))
	assert.Equal(t, 2, interfered, "two updates conflicted")

	got := &corev1.ConfigMap{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(cm), got))
	assert.Equal(t, map[string]string{"a": "2"}, got.Data)
	assert.Equal(t, map[string]string{"mine": "yes", "other-writer": "was-here"}, got.Labels)
}
