package alerting

import (
	"context"
	"fmt"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/actor"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-alerting-client"

// ClientOptions configures NewClient. The zero value is ready to use for
// rule groups; ListAlerts needs Prometheus.
type ClientOptions struct {
	// FieldOwner is the field manager of what the Client writes; empty
	// means DefaultFieldOwner.
	FieldOwner string

	// Prometheus is the API ListAlerts reads alerts from (client_golang's
	// promv1.NewAPI over the Prometheus that evaluates the rules).
	Prometheus promv1.API

	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every operation first asks Authorizer whether the user may make each
	// request it is about to make, and a refusal is a *ForbiddenError with
	// nothing written; ListAlerts keeps only the alerts the user may see.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer
}

// Client manages alert rule groups at namespace, cluster and global scope
// and lists the alerts they fire, validating every write before it is
// made. The reconcilers of observability/alerting/controllers (or
// KubeSphere's) turn what it writes into Prometheus rules. A Client is
// safe for concurrent use.
type Client struct {
	c          client.Client
	fieldOwner string
	prom       promv1.API
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate actor.Gate
}

// NewClient returns a Client over c, whose scheme must know the built-in
// kinds and the spherekit API groups (spherekit.AddToScheme).
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	if _, err := c.GroupVersionKindFor(&alertingv2beta1.RuleGroup{}); err != nil {
		return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the spherekit API groups; register them with spherekit.AddToScheme", Err: err}
	}
	gate, err := actor.New(opts.OnBehalfOf, opts.Authorizer)
	if err != nil {
		return nil, err
	}
	owner := opts.FieldOwner
	if owner == "" {
		owner = DefaultFieldOwner
	}
	return &Client{c: c, fieldOwner: owner, prom: opts.Prometheus, gate: gate}, nil
}

// authorize is the Client's one choke point for acting for a user: every
// exported operation calls it (or allowed, for what it filters) with the
// attributes of each request it is about to make, reads included, before
// making any. It does nothing when the Client acts for nobody.
func (c *Client) authorize(ctx context.Context, requests ...authz.Attributes) error {
	return c.gate.Check(ctx, requests...)
}

// allowed is authorize for one request whose refusal filters rather than
// fails.
func (c *Client) allowed(ctx context.Context, a authz.Attributes) (bool, error) {
	return c.gate.Allowed(ctx, a)
}

// attributes is the request verb on resource at scope s: in s's namespace,
// at cluster scope, or at global scope.
func attributes(verb, resource, name string, s Scope) authz.Attributes {
	a := authz.Attributes{Verb: verb, APIGroup: alertingv2beta1.GroupName, Resource: resource, Name: name}
	switch s.level {
	case alertingv2beta1.LevelNamespace:
		a.Namespace, a.Scope = s.namespace, authz.ScopeNamespace
	case alertingv2beta1.LevelCluster:
		a.Scope = authz.ScopeCluster
	default:
		a.Scope = authz.ScopeGlobal
	}
	return a
}

// checkScope refuses the zero Scope and a namespace scope without a valid
// namespace name.
func checkScope(s Scope) error {
	switch s.level {
	case alertingv2beta1.LevelCluster, alertingv2beta1.LevelGlobal:
		return nil
	case alertingv2beta1.LevelNamespace:
		if !isDNSLabel(s.namespace) {
			return &InvalidError{Field: "scope", Reason: fmt.Sprintf("%q is not a namespace name", s.namespace)}
		}
		return nil
	}
	return &InvalidError{Field: "scope", Reason: "use Namespace(name), Cluster() or Global()"}
}

func isDNSLabel(s string) bool {
	return len(s) <= 63 && isDNSSubdomain(s) && !containsDot(s)
}

func containsDot(s string) bool {
	for i := range len(s) {
		if s[i] == '.' {
			return true
		}
	}
	return false
}
