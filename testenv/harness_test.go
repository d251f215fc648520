package testenv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// TestManagerRunsHooks starts the manager RunWithManager starts, on the
// shared cluster: the index, the reconciler and the webhook server
// registered by the hooks all work once it returns, and stop ends it.
func TestManagerRunsHooks(t *testing.T) {
	const index = "testenv.spherekit.io/data-keys"
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	var order []string
	e, stop, err := startManager(context.Background(), shared, RunInput{
		ManagerOptions: func(o *ctrl.Options) { o.Controller.SkipNameValidation = ptr.To(true) },
		SetupIndexes: func(ctx context.Context, mgr ctrl.Manager) error {
			order = append(order, "indexes")
			return mgr.GetFieldIndexer().IndexField(ctx, &corev1.ConfigMap{}, index, func(o client.Object) []string {
				var keys []string
				for k := range o.(*corev1.ConfigMap).Data {
					keys = append(keys, k)
				}
				return keys
			})
		},
		SetupReconcilers: func(_ context.Context, mgr ctrl.Manager) error {
			order = append(order, "reconcilers")
			return ctrl.NewControllerManagedBy(mgr).For(&corev1.ConfigMap{}).Named("testenv-configmaps").
				Complete(reconcile.Func(func(_ context.Context, req reconcile.Request) (reconcile.Result, error) {
					mu.Lock()
					defer mu.Unlock()
					seen[req.String()] = true
					return reconcile.Result{}, nil
				}))
		},
		SetupWebhooks: func(_ context.Context, mgr ctrl.Manager) error {
			order = append(order, "webhooks")
			mgr.GetWebhookServer().Register("/allow", &webhook.Admission{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
				return admission.Allowed("")
			})})
			return nil
		},
	})
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	assert.Equal(t, []string{"indexes", "reconcilers", "webhooks"}, order)
	assert.NoError(t, e.Manager.GetWebhookServer().StartedChecker()(nil), "the webhook server serves when startManager returns")

	ns := e.NewNamespace(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "one"}, Data: map[string]string{"colour": "blue"}}
	require.NoError(t, e.Client.Create(context.Background(), cm))
	Eventually(t, func() (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return seen[ns+"/one"], nil
	}, "the reconciler never saw %s/one", ns)
	var list corev1.ConfigMapList
	require.NoError(t, e.Manager.GetCache().List(context.Background(), &list, client.InNamespace(ns), client.MatchingFields{index: "colour"}))
	require.Len(t, list.Items, 1)
	assert.Equal(t, "one", list.Items[0].Name)

	stopped = true
	assert.NoError(t, stop())
}

// TestManagerSetupError is an error of a hook, named after it.
func TestManagerSetupError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := startManager(context.Background(), shared, RunInput{
		SetupReconcilers: func(context.Context, ctrl.Manager) error { return boom },
	})
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "setup reconcilers")
}

// fatalRecorder is a testing.TB whose Fatalf records the message.
type fatalRecorder struct {
	testing.TB
	fatal []string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = append(r.fatal, fmt.Sprintf(format, args...))
}

func TestEventually(t *testing.T) {
	defer func(d time.Duration) { eventuallyTimeout = d }(eventuallyTimeout)
	eventuallyTimeout = 200 * time.Millisecond

	t.Run("holds", func(t *testing.T) {
		r := &fatalRecorder{TB: t}
		calls := 0
		Eventually(r, func() (bool, error) { calls++; return calls == 3, errors.New("not yet") }, "never")
		assert.Empty(t, r.fatal)
		assert.Equal(t, 3, calls)
	})
	t.Run("last error", func(t *testing.T) {
		r := &fatalRecorder{TB: t}
		calls := 0
		Eventually(r, func() (bool, error) {
			calls++
			if calls == 1 {
				return false, errors.New("first")
			}
			return false, fmt.Errorf("attempt %d", calls)
		}, "the %s never came", "thing")
		require.Len(t, r.fatal, 1)
		assert.Contains(t, r.fatal[0], "timed out after 200ms: the thing never came (last error: attempt ")
	})
	t.Run("no error", func(t *testing.T) {
		r := &fatalRecorder{TB: t}
		Eventually(r, func() (bool, error) { return false, nil }, "never")
		assert.Equal(t, []string{"timed out after 200ms: never"}, r.fatal)
	})
}
