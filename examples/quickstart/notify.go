package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/testenv/mailpit"
)

// notifyTour routes an alert of bob's project to his mailbox, as
// notification-manager would: bob's own mail settings (a tenant Config
// and Receiver, labelled with his name), a Dispatcher that finds who may
// see the alert's project in the authorizer's index, delivery through
// the tour's SMTP server (mailpit), and the outcome in his notification
// history. s is nil on a given cluster.
func notifyTour(ctx context.Context, out io.Writer, c client.Client, reader cache.Cache, s *logStack, bob, project string) (err error) {
	if s == nil || s.mail == nil {
		fmt.Fprintln(out, "Skipped notifications: on a given cluster the tour starts no mail server.")
		return nil
	}
	host, portText, err := net.SplitHostPort(s.mail.SMTPAddress())
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return err
	}
	mailbox := bob + "@example.com"
	tenant := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Labels: map[string]string{notificationv2beta2.TypeLabel: notificationv2beta2.TypeTenant, notificationv2beta2.UserLabel: bob}}
	}
	objs := []client.Object{
		&notificationv2beta2.Config{ObjectMeta: tenant(bob + "-mail"), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{
			From: "alerts@quickstart.example", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}},
		&notificationv2beta2.Receiver{ObjectMeta: tenant(bob), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{mailbox}}}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("create %s's notification settings: %w", bob, err)
		}
	}
	defer func() {
		for _, o := range objs {
			err = errors.Join(err, client.IgnoreNotFound(c.Delete(context.WithoutCancel(ctx), o)))
		}
	}()
	fmt.Fprintf(out, "Created %s's mail settings: a tenant Config (SMTP %s) and Receiver (%s).\n", bob, s.mail.SMTPAddress(), mailbox)

	az, err := authz.NewFromCache(ctx, reader, authz.Options{})
	if err != nil {
		return err
	}
	if err := az.WaitForSync(ctx); err != nil {
		return err
	}
	history, err := notification.NewHistory(notification.HistoryOptions{Store: s.store, Authorizer: az, Cluster: "host"})
	if err != nil {
		return err
	}
	d, err := notification.NewDispatcher(notification.DispatcherOptions{
		Reader: c, Deliverer: &notification.Deliverer{GroupLabels: []string{"alertname", "namespace"}},
		History: history, Tenants: notification.TenantsWhoSee(ctx, az),
	})
	if err != nil {
		return err
	}
	// The alert as KubeSphere's alerting labels a project rule's.
	alert := notification.Alert{
		Status:      notification.StatusFiring,
		Labels:      map[string]string{"alertname": "KubePodCrashLooping", "namespace": project, "rule_level": "namespace", "pod": "metered-0", "severity": "warning"},
		Annotations: map[string]string{"summary": "metered-0 is restarting"},
		StartsAt:    time.Now(),
	}
	results, err := d.Process(ctx, []notification.Alert{alert})
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Target.Tenant == bob && r.Err != nil {
			return fmt.Errorf("deliver to %s: %w", bob, r.Err)
		}
	}
	msgs, err := s.mail.Messages(ctx, mailbox)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		return fmt.Errorf("no message reached %s", mailbox)
	}
	fmt.Fprintf(out, "An alert of %s reached %s's mailbox: %q.\n", project, bob, msgs[0].Subject)

	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		if err := s.store.Flush(waitCtx); err != nil {
			return err
		}
		page, err := history.Query(waitCtx, authz.User{Name: bob}, notification.HistoryQuery{})
		if err == nil && page.Total > 0 {
			e := page.Entries[0]
			fmt.Fprintf(out, "%s's notification history: %s by %s, %s.\n", bob, e.Alert.Labels["alertname"], e.Channel, e.Outcome)
			return nil
		}
		if err := sleep(waitCtx, 500*time.Millisecond, err); err != nil {
			return fmt.Errorf("the notification never reached %s's history: %w", bob, err)
		}
	}
}

// startMail builds (the first time) and starts the tour's SMTP server.
func (s *logStack) startMail(ctx context.Context, progress io.Writer) (err error) {
	if s.mail, err = mailpit.Start(ctx, mailpit.Options{Progress: progress}); err != nil {
		return fmt.Errorf("start mailpit: %w", err)
	}
	return nil
}
