package auditing_test

import (
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/observability/auditing"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

// Receive the API server's audit trail on a host's webhook server. The API
// server's --audit-webhook-config-file names this server's address and
// path, its CA and, as the user's token, the sink's token.
func ExampleNewSink() {
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{})
	if err != nil {
		panic(err)
	}
	store, err := logstore.NewVictoriaLogs("http://victoria-logs:9428", logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields})
	if err != nil {
		panic(err)
	}
	sink, err := auditing.NewSink(auditing.SinkOptions{
		Store:   store,
		Reader:  mgr.GetCache(), // a cache: reads that reach the API server would be audited too
		Token:   os.Getenv("AUDIT_SINK_TOKEN"),
		Cluster: "host",
	})
	if err != nil {
		panic(err)
	}
	mgr.GetWebhookServer().Register("/audit", sink)
	_ = mgr.Start(ctrl.SetupSignalHandler())
}
