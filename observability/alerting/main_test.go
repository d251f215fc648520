package alerting_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/observability/alerting"
	"github.com/spherekit/spherekit/observability/alerting/controllers"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// env is a control plane whose manager runs the alerting controllers in
// rules-file mode, writing into the rules folder of prom, a real
// Prometheus they reload. So the whole path runs for real: Client → rule
// group objects → reconciler → rules file → reload → Prometheus evaluates
// → its alerts API → ListAlerts.
var (
	env  *testenv.Environment
	prom *prometheus.Server
)

// downNamespace labels the one scrape target of prom, an address nothing
// listens on: its up series is 0, so `up == 0` fires in that namespace
// and, pinned to any other namespace, selects nothing.
const downNamespace = "alerting-down"

func TestMain(m *testing.M) {
	ctx := context.Background()
	if !testenv.Fuzzing() {
		var err error
		prom, err = prometheus.Start(ctx, prometheus.Options{
			ScrapeConfigs: []prometheus.ScrapeConfig{{JobName: "down", Targets: []string{"127.0.0.1:9"}, Labels: map[string]string{"namespace": downNamespace}}},
			Progress:      os.Stderr,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := testenv.RunWithManager(ctx, testenv.RunInput{
		M: m,
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{Output: controllers.Output{
				RulesFiles: &controllers.RulesFiles{Dir: prom.RulesDir(), PrometheusURL: prom.URL()},
			}})
		},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) error {
			env = e
			return e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: downNamespace}})
		},
	})
	if prom != nil {
		_ = prom.Stop()
	}
	os.Exit(code)
}

// needEnv skips a test that needs the cluster while fuzzing, when TestMain
// starts none.
func needEnv(t testing.TB) {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster and Prometheus, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
}

// newClient returns a Client acting with the test's administrator rights.
func newClient(t testing.TB) *alerting.Client {
	t.Helper()
	needEnv(t)
	c, err := alerting.NewClient(env.Client, alerting.ClientOptions{Prometheus: prom.API()})
	require.NoError(t, err)
	return c
}

func name(prefix string) string { return prefix + "-" + rand.String(6) }

// newNamespace creates a namespace deleted when the test ends.
func newNamespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("ns")}}
	require.NoError(t, env.Client.Create(context.Background(), ns))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
	return ns.Name
}
