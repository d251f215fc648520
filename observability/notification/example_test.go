package notification_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit"
	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// newExampleClient is a Client over the current kubeconfig acting for
// user, deciding with az (nil user: the host's own identity).
func newExampleClient(user *authz.User, az *authz.Authorizer) *notification.Client {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	nc, err := notification.NewClient(c, notification.ClientOptions{OnBehalfOf: user, Authorizer: az})
	if err != nil {
		log.Fatal(err)
	}
	return nc
}

// A scope names whose objects an operation manages.
func ExampleTenant() {
	fmt.Println(notification.Tenant("alice"), notification.Tenant("alice").User())
	fmt.Println(notification.Global(), notification.Global().IsGlobal())
	// Output:
	// tenant alice alice
	// global true
}

// The test alert Verify sends.
func ExampleVerifyAlert() {
	a := notification.VerifyAlert(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	fmt.Println(a.Status, a.Labels["alertname"], a.Labels["alerttype"])
	// Output:
	// firing verify verify
}

// A portal creates a receiver for the user it serves: the Client stamps
// type=tenant and user=alice, and refuses a receiver for anyone else.
func ExampleClient_CreateReceiver() {
	var az *authz.Authorizer // the portal's, fed by its manager's cache (authz.NewFromCache)
	alice := newExampleClient(&authz.User{Name: "alice", Groups: []string{"system:authenticated"}}, az)
	r := &notificationv2beta2.Receiver{Spec: notificationv2beta2.ReceiverSpec{
		Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To("https://hooks.example.com/alice")},
	}}
	r.Name = "alice-hook"
	created, err := alice.CreateReceiver(context.Background(), notification.Tenant("alice"), r)
	var forbidden *notification.ForbiddenError
	switch {
	case errors.As(err, &forbidden):
		log.Fatalf("refused: %s", forbidden.Reason)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(created.Labels)
}

// The platform's default email server, a Config labelled type=default.
func ExampleClient_CreateConfig() {
	host := newExampleClient(nil, nil)
	cfg := &notificationv2beta2.Config{Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{
		From:      "alerts@example.com",
		SmartHost: notificationv2beta2.HostPort{Host: "smtp.example.com", Port: 587},
	}}}
	cfg.Name = "default-email"
	if _, err := host.CreateConfig(context.Background(), notification.Global(), cfg); err != nil {
		log.Fatal(err)
	}
}

// A user's receivers that configure email, cut down to their email part.
func ExampleClient_ListReceivers() {
	host := newExampleClient(nil, nil)
	list, total, err := host.ListReceivers(context.Background(), notification.Tenant("alice"), notification.ListOptions{Channel: "email"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total, len(list.Items))
}

// Check an email server and an address before saving them: the answer is
// the server's own error when it fails.
func ExampleClient_Verify() {
	host := newExampleClient(nil, nil)
	cfg := &notificationv2beta2.Config{Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{
		From:      "alerts@example.com",
		SmartHost: notificationv2beta2.HostPort{Host: "smtp.example.com", Port: 587},
	}}}
	rcv := &notificationv2beta2.Receiver{Spec: notificationv2beta2.ReceiverSpec{
		Email: &notificationv2beta2.EmailReceiver{To: []string{"alice@example.com"}},
	}}
	if err := host.Verify(context.Background(), notification.Tenant("alice"), cfg, rcv); err != nil {
		fmt.Println("not delivered:", err)
	}
}
