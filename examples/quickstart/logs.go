package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/spherekit/spherekit/observability/auditing"
	"github.com/spherekit/spherekit/observability/events"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/mailpit"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// auditPath is where the tour's webhook server receives kube-apiserver's
// audit batches.
const auditPath = "/audit"

// logStack is a VictoriaLogs keeping the embedded cluster's events and
// audit trail, with what the cluster's audit webhook needs.
type logStack struct {
	server *victorialogs.Server
	store  *logstore.VictoriaLogs
	// audit configures the embedded kube-apiserver's audit webhook; its
	// token is the sink's.
	audit *testenv.AuditOptions
	// webhook is the tour's webhook server, where the sink listens; set
	// once the cluster runs.
	webhook webhook.Options
	// mail is the SMTP server notifications are delivered to.
	mail *mailpit.Server
}

// newLogStack prepares the audit webhook's options, for the embedded
// cluster's start.
func newLogStack() *logStack {
	return &logStack{audit: &testenv.AuditOptions{Path: auditPath, Token: rand.String(32)}}
}

// start builds (the first time) and starts VictoriaLogs.
func (s *logStack) start(ctx context.Context, cluster *testenv.Cluster, progress io.Writer) (err error) {
	if s.server, err = victorialogs.Start(ctx, victorialogs.Options{Progress: progress}); err != nil {
		return fmt.Errorf("start VictoriaLogs: %w", err)
	}
	if s.store, err = logstore.NewVictoriaLogs(s.server.URL(), logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields}); err != nil {
		return errors.Join(err, s.server.Stop())
	}
	s.webhook = cluster.AuditServerOptions()
	return s.startMail(ctx, progress)
}

func (s *logStack) stop() error {
	if s == nil {
		return nil
	}
	var err error
	if s.mail != nil {
		err = s.mail.Stop()
	}
	if s.server != nil {
		err = errors.Join(err, s.server.Stop())
	}
	return err
}

// setup adds the events exporter and the audit sink to the tour's manager,
// as a host would.
func (s *logStack) setup(ctx context.Context, mgr ctrl.Manager) error {
	x := &events.Exporter{Store: s.store, Cluster: "host", BatchInterval: 500 * time.Millisecond}
	if err := x.SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	sink, err := auditing.NewSink(auditing.SinkOptions{Store: s.store, Reader: mgr.GetCache(), Token: s.audit.Token, Cluster: "host"})
	if err != nil {
		return err
	}
	mgr.GetWebhookServer().Register(auditPath, sink)
	return nil
}

// logsTour reads, as bob, the project's Kubernetes events (kept by the
// exporter) and its audit trail (sent by kube-apiserver to the sink),
// scoped to what he may read. s is nil on a given cluster.
func logsTour(ctx context.Context, out io.Writer, reader cache.Cache, s *logStack, bob, project string) error {
	if s == nil {
		fmt.Fprintln(out, "Skipped events and audit trail: on a given cluster the tour starts no log store.")
		return nil
	}
	az, err := authz.NewFromCache(ctx, reader, authz.Options{})
	if err != nil {
		return err
	}
	if err := az.WaitForSync(ctx); err != nil {
		return err
	}
	user := authz.User{Name: bob}
	ec, err := events.NewClient(events.ClientOptions{Store: s.store, Authorizer: az, Reader: reader})
	if err != nil {
		return err
	}
	ac, err := auditing.NewClient(auditing.ClientOptions{Store: s.store, Authorizer: az, Reader: reader})
	if err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	// The exporter writes every half second.
	var page *events.Events
	for {
		res, err := ec.Query(waitCtx, user, events.EventQuery{Namespaces: []string{project}, Size: 5})
		if err == nil && res.Query.Total > 0 {
			page = res.Query
			break
		}
		if err := sleep(waitCtx, time.Second, err); err != nil {
			return fmt.Errorf("no events of %s reached the store: %w", project, err)
		}
	}
	fmt.Fprintf(out, "Events of %s that %s reads (%d, the latest %d):\n", project, bob, page.Total, len(page.Records))
	for _, raw := range page.Records {
		var e corev1.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-7s %-22s %s/%s\n", e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name)
	}

	// The API server sends its audit batches every second; bob's list of
	// pods with his kubeconfig was one of the requests.
	mine := auditing.AuditQuery{Namespaces: []string{project}, Users: []string{bob}, Size: 1}
	var own auditing.Event
	for {
		res, err := ac.Query(waitCtx, user, mine)
		if err == nil && res.Query.Total > 0 {
			if err := json.Unmarshal(res.Query.Records[0], &own); err != nil {
				return err
			}
			break
		}
		if err := sleep(waitCtx, time.Second, err); err != nil {
			return fmt.Errorf("%s's requests in %s never reached the audit trail: %w", bob, project, err)
		}
	}
	all, err := ac.Query(ctx, user, auditing.AuditQuery{Operation: auditing.OperationStatistics, Namespaces: []string{project}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "The audit trail of %s holds %d requests; the latest of %s's: %s %s → %d.\n",
		project, all.Statistics.Events, bob, own.Verb, own.ObjectRef.Resource, own.ResponseStatus.Code)
	system, err := ac.Query(ctx, user, auditing.AuditQuery{Namespaces: []string{"kube-system"}, Users: []string{bob}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "His refused request in kube-system is audited too, but not his to read: he sees %d there.\n", system.Query.Total)
	return nil
}

// sleep waits d, or returns ctx's error joined with last when ctx ends
// first.
func sleep(ctx context.Context, d time.Duration, last error) error {
	select {
	case <-ctx.Done():
		return errors.Join(last, ctx.Err())
	case <-time.After(d):
		return nil
	}
}
