package auditing_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/spherekit/spherekit/observability/auditing"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// The package's real stack: an API server whose audit webhook backend
// posts every request's audit event to the sink, served on the cluster's
// audit webhook server, and a VictoriaLogs the sink writes into.
var (
	cluster *testenv.Cluster
	store   *logstore.VictoriaLogs
	// reader reads namespaces for the sink and the Clients as a user the
	// audit policy leaves out, as a host's cache would: otherwise every
	// batch's reads would be audited and sent again, and every query would
	// add to the events it counts.
	reader client.Client
)

const (
	sinkPath  = "/audit"
	sinkToken = "audit-sink-token"
	// clusterName is the cluster the sink stamps.
	clusterName = "host"
	quietUser   = "quiet-reader"
	// policy is testenv's default with quietUser left out.
	policy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  users: ["` + quietUser + `"]
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/openapi*"]
- level: Metadata
`
)

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var err error
	audit := &testenv.AuditOptions{Path: sinkPath, Token: sinkToken, BatchMaxWait: 200 * time.Millisecond, Policy: []byte(policy)}
	if cluster, err = testenv.Start(ctx, testenv.Options{Progress: os.Stderr, Audit: audit}); err != nil {
		return fail(err)
	}
	defer func() { _ = cluster.Stop() }()
	vlogs, err := victorialogs.Start(ctx, victorialogs.Options{Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = vlogs.Stop() }()
	if store, err = logstore.NewVictoriaLogs(vlogs.URL(), logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields}); err != nil {
		return fail(err)
	}
	readerConfig, err := cluster.AddUser(quietUser, "system:masters")
	if err != nil {
		return fail(err)
	}
	if reader, err = client.New(readerConfig, client.Options{Scheme: cluster.Scheme}); err != nil {
		return fail(err)
	}
	sink, err := auditing.NewSink(auditing.SinkOptions{Store: store, Reader: reader, Token: sinkToken, Cluster: clusterName})
	if err != nil {
		return fail(err)
	}
	server := webhook.NewServer(cluster.AuditServerOptions())
	server.Register(sinkPath, sink)
	serverCtx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- server.Start(serverCtx) }()
	defer func() {
		stopServer()
		if err := <-served; err != nil {
			fmt.Fprintln(os.Stderr, "the audit sink's server:", err)
		}
	}()
	started := server.StartedChecker()
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	}); err != nil {
		return fail(fmt.Errorf("the audit sink's server did not start: %w", err))
	}
	return m.Run()
}
