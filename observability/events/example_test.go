package events_test

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/observability/events"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

// Keep the cluster's events in VictoriaLogs, from a host's manager.
func ExampleExporter() {
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{})
	if err != nil {
		panic(err)
	}
	store, err := logstore.NewVictoriaLogs("http://victoria-logs:9428", logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields})
	if err != nil {
		panic(err)
	}
	x := &events.Exporter{Store: store, Cluster: "host"}
	if err := x.SetupWithManager(context.Background(), mgr); err != nil {
		panic(err)
	}
	_ = mgr.Start(ctrl.SetupSignalHandler())
}
