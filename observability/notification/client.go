package notification

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/actor"
	"github.com/spherekit/spherekit/internal/fielderr"
	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultSecretNamespace is where KubeSphere keeps the Secrets and
// ConfigMaps of notification settings (its /secrets and /configmaps), and
// where a secretKeyRef without a namespace looks.
const DefaultSecretNamespace = "kubesphere-monitoring-federated"

// VerifyAlertName is the alertname (and alerttype) of the test
// notification Verify sends, as notification-manager's verification
// names it.
const VerifyAlertName = "verify"

// NotFoundError reports that an operation names an object that does not
// exist (errors.Is(err, fielderr.ErrNotFound); apierrors.IsNotFound sees
// the API server's answer through it). Nothing was written.
type NotFoundError = fielderr.NotFound

// ConflictError reports a write the current state does not allow, such as
// creating an object that exists or updating a changed one. Nothing was
// written.
type ConflictError = fielderr.Conflict

// ForbiddenError reports an operation the user a Client acts for may not
// perform, or an object outside the scope an operation names, as
// KubeSphere refuses it (errors.Is(err, fielderr.ErrForbidden), the type
// of tenancy.ForbiddenError). Nothing was written.
type ForbiddenError = fielderr.Forbidden

// Scope is whose notification objects an operation manages: the
// platform's (Global: KubeSphere's /kapis/notification.kubesphere.io/
// v2beta2/{resources}) or one user's (Tenant: /users/{user}/{resources}).
// The zero Scope is refused.
type Scope struct {
	user   string
	global bool
}

// Global is the scope of the platform's objects: Configs labelled
// type=default, Receivers, Routers and Silences labelled type=global.
func Global() Scope { return Scope{global: true} }

// Tenant is the scope of user's objects, labelled type=tenant and
// user=<user>.
func Tenant(user string) Scope { return Scope{user: user} }

// User is the user of a tenant scope, "" for Global.
func (s Scope) User() string { return s.user }

// IsGlobal reports whether s is Global.
func (s Scope) IsGlobal() bool { return s.global }

// String is "global" or "tenant <user>".
func (s Scope) String() string {
	switch {
	case s.global:
		return "global"
	case s.user != "":
		return "tenant " + s.user
	}
	return "no scope"
}

// check refuses the zero Scope and a user that cannot be a label value.
func (s Scope) check() error {
	if s.global {
		return nil
	}
	if s.user == "" {
		return &InvalidError{Field: "scope", Reason: "use Global() or Tenant(user)"}
	}
	if errs := validation.IsValidLabelValue(s.user); len(errs) > 0 {
		return &InvalidError{Field: "scope", Reason: fmt.Sprintf("user %q cannot be the value of the user label: %s", s.user, strings.Join(errs, "; "))}
	}
	return nil
}

// attributes is the request KubeSphere's API server authorizes for verb on
// resource in s: a global-scope request on the resource itself for Global
// (notification.kubesphere.io is among its global resources), and for a
// tenant a request on the user named in the path, the resource being the
// subresource (/users/{user}/{resources}[/{name}]: a list there is a get
// of the user, and the object's name is not part of the request).
func (s Scope) attributes(verb, resource, name string) authz.Attributes {
	if s.global {
		return authz.Attributes{Verb: verb, APIGroup: notificationv2beta2.GroupName, Resource: resource, Name: name, Scope: authz.ScopeGlobal, APIPrefix: "kapis"}
	}
	if verb == "list" {
		verb = "get"
	}
	return authz.Attributes{Verb: verb, APIGroup: notificationv2beta2.GroupName, Resource: "users", Name: s.user, Subresource: resource,
		Scope: authz.ScopeCluster, APIPrefix: "kapis"}
}

// verification is the request of KubeSphere's POST /verification (a
// cluster-scope create of the resource verification) or POST
// /users/{user}/verification.
func (s Scope) verification() authz.Attributes {
	if s.global {
		return authz.Attributes{Verb: "create", APIGroup: notificationv2beta2.GroupName, Resource: "verification", Scope: authz.ScopeCluster, APIPrefix: "kapis"}
	}
	return s.attributes("create", "verification", "")
}

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every operation first asks Authorizer whether the user may make the
	// request KubeSphere's notification API would authorize for it, and a
	// refusal is a *ForbiddenError with nothing read past the check or
	// written. Secrets and ConfigMaps a Config or Receiver refers to must
	// then be the scope's (see Client) or ones the user may get.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer

	// Deliverer sends Verify's test notification, with its retries, rate
	// limits and templates; its Secrets must read the secret namespace
	// (Secrets.Reader set, Secrets.Namespace equal to it). Nil means a
	// Deliverer that tries once and reads Secrets with the Client's client.
	Deliverer *Deliverer
	// SecretNamespace is where the notification settings' Secrets and
	// ConfigMaps live and where a reference without a namespace looks;
	// empty means the Deliverer's Secrets.Namespace, else
	// DefaultSecretNamespace.
	SecretNamespace string
}

// Client manages notification Configs, Receivers, Routers and Silences
// with the semantics of KubeSphere's notification API (v2beta2): global
// objects and each user's, told apart by the labels type and user, which
// the Client stamps; and it verifies a Receiver by sending it a test
// notification. Every write is validated (ValidateConfig,
// ValidateReceiver, ValidateRouter, ValidateSilence) before it is made.
//
// Acting for a user (ClientOptions.OnBehalfOf), every operation asks the
// authorizer first, in one place, about the request KubeSphere authorizes:
// global objects need the verb on the resource of
// notification.kubesphere.io at global scope (KubeSphere's
// role-template-manage-platform-settings grants it), and a user's objects
// the verb on users/<resource> named by the user (KubeSphere's
// authenticated role lets every user do anything on their own user), so a
// user manages their own objects and a platform administrator anyone's. A
// Config or Receiver may then refer only to Secrets and ConfigMaps of the
// secret namespace labelled as the scope's (type=global, or type=tenant and
// user=<user>: what KubeSphere's /secrets and /users/{user}/secrets hold),
// or to ones the user may get, so that nobody sends themselves another's
// credentials. A Client is safe for concurrent use.
type Client struct {
	c         client.Client
	secretNS  string
	deliverer *Deliverer
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate actor.Gate
}

// NewClient returns a Client over c, whose scheme must know the built-in
// kinds and the notification API group (spherekit.AddToScheme).
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	if _, err := c.GroupVersionKindFor(&notificationv2beta2.Receiver{}); err != nil {
		return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the spherekit API groups; register them with spherekit.AddToScheme", Err: err}
	}
	if _, err := c.GroupVersionKindFor(&corev1.Secret{}); err != nil {
		return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the built-in kinds; register them with clientgoscheme.AddToScheme", Err: err}
	}
	gate, err := actor.New(opts.OnBehalfOf, opts.Authorizer)
	if err != nil {
		return nil, err
	}
	ns := opts.SecretNamespace
	if ns == "" && opts.Deliverer != nil {
		ns = opts.Deliverer.Secrets.Namespace
	}
	if ns == "" {
		ns = DefaultSecretNamespace
	}
	d := opts.Deliverer
	switch {
	case d == nil:
		d = &Deliverer{Secrets: Secrets{Reader: c, Namespace: ns}, Attempts: 1}
	case d.Secrets.Reader == nil:
		return nil, &InvalidError{Field: "Deliverer.Secrets.Reader", Reason: "required: Verify reads credentials from Secrets"}
	case d.Secrets.Namespace != ns:
		return nil, &InvalidError{Field: "Deliverer.Secrets.Namespace", Reason: fmt.Sprintf("%q is not the secret namespace %q the Client checks references in", d.Secrets.Namespace, ns)}
	}
	return &Client{c: c, secretNS: ns, deliverer: d, gate: gate}, nil
}

// authorize is the Client's one choke point for acting for a user: every
// exported operation calls it with the request KubeSphere would authorize
// for it, before any read or write. It does nothing when the Client acts
// for nobody.
func (c *Client) authorize(ctx context.Context, requests ...authz.Attributes) error {
	return c.gate.Check(ctx, requests...)
}

// objKind is what the generic operations need to know of one notification
// kind.
type objKind struct {
	name     string // "receiver"
	resource string // "receivers"
	// globalType is the type label of a global object: TypeDefault for
	// Configs, TypeGlobal for the rest.
	globalType string
	// tenants is whether users have objects of the kind (Routers are
	// global only); channels whether its spec is one field per channel.
	tenants, channels bool
	newObj            func() client.Object
	newList           func() client.ObjectList
	// validate checks an object alone; check what needs the cluster's
	// other objects, after authorization.
	validate func(client.Object) error
	check    func(ctx context.Context, c *Client, s Scope, obj client.Object) error
}

var (
	configKind = objKind{name: "config", resource: "configs", globalType: notificationv2beta2.TypeDefault, tenants: true, channels: true,
		newObj:  func() client.Object { return &notificationv2beta2.Config{} },
		newList: func() client.ObjectList { return &notificationv2beta2.ConfigList{} },
		validate: func(o client.Object) error {
			return ValidateConfig(o.(*notificationv2beta2.Config))
		},
		check: func(ctx context.Context, c *Client, s Scope, o client.Object) error {
			return c.checkReferences(ctx, s, &o.(*notificationv2beta2.Config).Spec)
		},
	}
	receiverKind = objKind{name: "receiver", resource: "receivers", globalType: notificationv2beta2.TypeGlobal, tenants: true, channels: true,
		newObj:   func() client.Object { return &notificationv2beta2.Receiver{} },
		newList:  func() client.ObjectList { return &notificationv2beta2.ReceiverList{} },
		validate: func(client.Object) error { return nil },
		check: func(ctx context.Context, c *Client, s Scope, o client.Object) error {
			r := o.(*notificationv2beta2.Receiver)
			var all notificationv2beta2.ConfigList
			if err := c.c.List(ctx, &all); err != nil {
				return fmt.Errorf("list configs: %w", err)
			}
			if err := ValidateReceiver(r, all.Items); err != nil {
				return err
			}
			return c.checkReferences(ctx, s, &r.Spec)
		},
	}
	routerKind = objKind{name: "router", resource: "routers", globalType: notificationv2beta2.TypeGlobal,
		newObj:   func() client.Object { return &notificationv2beta2.Router{} },
		newList:  func() client.ObjectList { return &notificationv2beta2.RouterList{} },
		validate: func(client.Object) error { return nil },
		check: func(ctx context.Context, c *Client, _ Scope, o client.Object) error {
			var all notificationv2beta2.ReceiverList
			if err := c.c.List(ctx, &all); err != nil {
				return fmt.Errorf("list receivers: %w", err)
			}
			return ValidateRouter(o.(*notificationv2beta2.Router), all.Items)
		},
	}
	silenceKind = objKind{name: "silence", resource: "silences", globalType: notificationv2beta2.TypeGlobal, tenants: true,
		newObj:  func() client.Object { return &notificationv2beta2.Silence{} },
		newList: func() client.ObjectList { return &notificationv2beta2.SilenceList{} },
		validate: func(o client.Object) error {
			return ValidateSilence(o.(*notificationv2beta2.Silence))
		},
		check: func(context.Context, *Client, Scope, client.Object) error { return nil },
	}
)

// checkScope refuses a bad scope, and a tenant scope for a kind only the
// platform has (KubeSphere: "tenant can not create routers").
func (k objKind) checkScope(s Scope) error {
	if err := s.check(); err != nil {
		return err
	}
	if !s.global && !k.tenants {
		return &InvalidError{Field: "scope", Reason: fmt.Sprintf("%s are global only; users have none", k.resource)}
	}
	return nil
}

// stampLabels sets the labels KubeSphere stamps on what it creates or
// updates in s: type=default (Configs) or type=global for Global,
// type=tenant and user=<user> for a tenant. A label the object already
// carries must agree: a tenant's object cannot claim another user or the
// platform, nor a global one a user. The *InvalidError names the label.
func (k objKind) stampLabels(s Scope, obj client.Object) error {
	l := obj.GetLabels()
	want := map[string]string{notificationv2beta2.TypeLabel: k.globalType}
	if !s.global {
		want = map[string]string{notificationv2beta2.TypeLabel: notificationv2beta2.TypeTenant, notificationv2beta2.UserLabel: s.user}
	}
	for _, key := range []string{notificationv2beta2.TypeLabel, notificationv2beta2.UserLabel} {
		v, set := l[key]
		if !set || v == want[key] {
			continue
		}
		field := "metadata.labels." + key
		switch {
		case key == notificationv2beta2.UserLabel && s.global:
			return &InvalidError{Field: field, Reason: fmt.Sprintf("a global %s belongs to no user, not %q", k.name, v)}
		case key == notificationv2beta2.UserLabel:
			return &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not %q: a %s of %s cannot be another user's", v, s.user, k.name, s)}
		default:
			return &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not %q, the type of a %s of %s", v, want[key], k.name, s)}
		}
	}
	out := make(map[string]string, len(l)+2)
	for key, v := range l {
		out[key] = v
	}
	for key, v := range want {
		out[key] = v
	}
	obj.SetLabels(out)
	return nil
}

// inScope refuses, as KubeSphere does, an object that is not s's: for a
// tenant one not labelled type=tenant and user=<user>, for Global one not
// of the global type.
func (c *Client) inScope(k objKind, s Scope, obj client.Object) error {
	l := obj.GetLabels()
	if s.global {
		if l[notificationv2beta2.TypeLabel] != k.globalType {
			return c.gate.Forbidden(fmt.Sprintf("%s %q is not a global object", k.name, obj.GetName()))
		}
		return nil
	}
	if l[notificationv2beta2.TypeLabel] != notificationv2beta2.TypeTenant || l[notificationv2beta2.UserLabel] != s.user {
		return c.gate.Forbidden(fmt.Sprintf("user %q is not the owner of %s %q", s.user, k.name, obj.GetName()))
	}
	return nil
}

// prepare checks the scope, the object and its name, and stamps the labels
// on a copy, which it returns.
func (c *Client) prepare(k objKind, s Scope, obj client.Object) (client.Object, error) {
	if err := k.checkScope(s); err != nil {
		return nil, err
	}
	if obj.GetName() == "" {
		return nil, &InvalidError{Field: "metadata.name", Reason: "required"}
	}
	out, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return nil, fmt.Errorf("copy %s %q: not a client.Object", k.name, obj.GetName())
	}
	if err := k.stampLabels(s, out); err != nil {
		return nil, err
	}
	if err := k.validate(out); err != nil {
		return nil, err
	}
	return out, nil
}

// create is every Create operation: checks, the choke point, the checks
// that read the cluster, then the write.
func (c *Client) create(ctx context.Context, k objKind, s Scope, obj client.Object) (client.Object, error) {
	out, err := c.prepare(k, s, obj)
	if err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, s.attributes("create", k.resource, "")); err != nil {
		return nil, err
	}
	if err := k.check(ctx, c, s, out); err != nil {
		return nil, err
	}
	out.SetResourceVersion("")
	if err := c.c.Create(ctx, out); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, &ConflictError{Field: "metadata.name", Reason: fmt.Sprintf("%s %q exists", k.name, out.GetName()), Err: err}
		}
		return nil, fmt.Errorf("create %s %q: %w", k.name, out.GetName(), err)
	}
	return out, nil
}

// update is every Update operation: like KubeSphere's PUT, obj replaces
// the stored object of s, whose resource version it is conditional on
// (obj's, or the one whose scope was checked).
func (c *Client) update(ctx context.Context, k objKind, s Scope, obj client.Object) (client.Object, error) {
	out, err := c.prepare(k, s, obj)
	if err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, s.attributes("update", k.resource, out.GetName())); err != nil {
		return nil, err
	}
	current, err := c.get(ctx, k, s, out.GetName())
	if err != nil {
		return nil, err
	}
	if err := k.check(ctx, c, s, out); err != nil {
		return nil, err
	}
	if out.GetResourceVersion() == "" {
		out.SetResourceVersion(current.GetResourceVersion())
	}
	if err := c.c.Update(ctx, out); err != nil {
		if apierrors.IsConflict(err) {
			return nil, &ConflictError{Field: "metadata.resourceVersion", Reason: fmt.Sprintf("%s %q changed since it was read", k.name, out.GetName()), Err: err}
		}
		return nil, fmt.Errorf("update %s %q: %w", k.name, out.GetName(), err)
	}
	return out, nil
}

// remove is every Delete operation, conditional on the object whose scope
// was checked.
func (c *Client) remove(ctx context.Context, k objKind, s Scope, name string) error {
	if err := k.checkScope(s); err != nil {
		return err
	}
	if name == "" {
		return &InvalidError{Field: "name", Reason: "required"}
	}
	if err := c.authorize(ctx, s.attributes("delete", k.resource, name)); err != nil {
		return err
	}
	current, err := c.get(ctx, k, s, name)
	if err != nil {
		return err
	}
	uid, rv := current.GetUID(), current.GetResourceVersion()
	if err := c.c.Delete(ctx, current, client.Preconditions{UID: &uid, ResourceVersion: &rv}); err != nil {
		if apierrors.IsConflict(err) {
			return &ConflictError{Field: "name", Reason: fmt.Sprintf("%s %q changed since it was read", k.name, name), Err: err}
		}
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete %s %q: %w", k.name, name, err)
	}
	return nil
}

// read is every Get operation.
func (c *Client) read(ctx context.Context, k objKind, s Scope, name string) (client.Object, error) {
	if err := k.checkScope(s); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, &InvalidError{Field: "name", Reason: "required"}
	}
	if err := c.authorize(ctx, s.attributes("get", k.resource, name)); err != nil {
		return nil, err
	}
	return c.get(ctx, k, s, name)
}

// get reads name and refuses it outside s. It does not authorize.
func (c *Client) get(ctx context.Context, k objKind, s Scope, name string) (client.Object, error) {
	obj := k.newObj()
	if err := c.c.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{Field: "name", Kind: strings.ToUpper(k.name[:1]) + k.name[1:], Name: name, Err: err}
		}
		return nil, fmt.Errorf("get %s %q: %w", k.name, name, err)
	}
	if err := c.inScope(k, s, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// ListOptions narrows a List operation.
type ListOptions struct {
	// Query filters, sorts and pages as KubeSphere's resources API does
	// (name, labels, fields, page, limit, sortBy, ascending). Its label
	// selector is ANDed with the scope's labels; its Namespace is ignored.
	Query resources.Query
	// Channel is KubeSphere's type parameter, for Configs and Receivers:
	// only the objects configuring that channel (dingtalk, email, feishu,
	// slack, webhook, wechat, and those KubeSphere's API does not know yet:
	// sms, pushover, telegram, discord), each with its spec cut down to
	// it. Empty means every object, whole.
	Channel string
}

// list is every List operation: the objects of s (KubeSphere's label
// selectors type=default or type=global, or type=tenant,user=<user>)
// that opts selects, and how many there are before paging.
func (c *Client) list(ctx context.Context, k objKind, s Scope, opts ListOptions, list client.ObjectList) (int, error) {
	if err := k.checkScope(s); err != nil {
		return 0, err
	}
	if opts.Channel != "" {
		if !k.channels {
			return 0, &InvalidError{Field: "Channel", Reason: fmt.Sprintf("%s have no channels", k.resource)}
		}
		if known := channelNames(specType(k.newObj())); !slices.Contains(known, opts.Channel) {
			return 0, &InvalidError{Field: "Channel", Reason: fmt.Sprintf("%q is not a channel of %s %v", opts.Channel, k.resource, known)}
		}
	}
	if err := c.authorize(ctx, s.attributes("list", k.resource, "")); err != nil {
		return 0, err
	}
	q := opts.Query
	q.Namespace = ""
	sel := q.LabelSelector
	if sel == nil {
		sel = labels.Everything()
	}
	for key, v := range scopeLabels(k, s) {
		r, err := labels.NewRequirement(key, selection.Equals, []string{v})
		if err != nil {
			return 0, &InvalidError{Field: "scope", Reason: err.Error(), Err: err}
		}
		sel = sel.Add(*r)
	}
	q.LabelSelector = sel
	if opts.Channel == "" {
		total, err := resources.List(ctx, c.c, list, q)
		if err != nil {
			return 0, fmt.Errorf("list %s of %s: %w", k.resource, s, err)
		}
		return total, nil
	}
	// Cut each object down to the channel before paging, so that pages
	// and the total count only the objects that configure it.
	page, limit, countOnly := q.Page, q.Limit, q.CountOnly
	q.Page, q.Limit, q.CountOnly = 0, 0, false
	if _, err := resources.List(ctx, c.c, list, q); err != nil {
		return 0, fmt.Errorf("list %s of %s: %w", k.resource, s, err)
	}
	items := reflect.ValueOf(list).Elem().FieldByName("Items")
	kept := reflect.MakeSlice(items.Type(), 0, items.Len())
	for i := range items.Len() {
		if onlyChannel(items.Index(i).FieldByName("Spec"), opts.Channel) {
			kept = reflect.Append(kept, items.Index(i))
		}
	}
	total := kept.Len()
	if page < 1 {
		page = 1
	}
	start, end := 0, total
	if limit > 0 {
		start, end = min((page-1)*limit, total), min(page*limit, total)
	}
	if countOnly {
		start, end = 0, 0
	}
	items.Set(kept.Slice(start, end))
	return total, nil
}

// scopeLabels are the labels every object of s carries.
func scopeLabels(k objKind, s Scope) map[string]string {
	if s.global {
		return map[string]string{notificationv2beta2.TypeLabel: k.globalType}
	}
	return map[string]string{notificationv2beta2.TypeLabel: notificationv2beta2.TypeTenant, notificationv2beta2.UserLabel: s.user}
}

// specType is the type of the Spec of obj, a Config or Receiver.
func specType(obj client.Object) reflect.Type {
	f, _ := reflect.TypeOf(obj).Elem().FieldByName("Spec")
	return f.Type
}

// channelNames are the JSON names of a spec's channel fields.
func channelNames(spec reflect.Type) []string {
	var out []string
	for i := range spec.NumField() {
		if spec.Field(i).Type.Kind() == reflect.Pointer {
			out = append(out, jsonFieldName(spec.Field(i)))
		}
	}
	return out
}

func jsonFieldName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// onlyChannel clears every channel of spec but the one named, reporting
// whether that one is set: KubeSphere's answer to the type parameter.
func onlyChannel(spec reflect.Value, channel string) bool {
	found := false
	for i := range spec.NumField() {
		f := spec.Field(i)
		if f.Kind() != reflect.Pointer {
			continue
		}
		if jsonFieldName(spec.Type().Field(i)) == channel && !f.IsNil() {
			found = true
			continue
		}
		f.Set(reflect.Zero(f.Type()))
	}
	return found
}

// settingRef is a Secret or ConfigMap a spec refers to.
type settingRef struct {
	field, kind, namespace, name, key string
}

// settingRefs walks a Config's or Receiver's spec for every secretKeyRef
// and template ConfigMap, naming each by its JSON path.
func settingRefs(path string, v reflect.Value, out []settingRef) []settingRef {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return out
		}
		switch r := v.Interface().(type) {
		case *notificationv2beta2.SecretKeySelector:
			return append(out, settingRef{field: path, kind: "Secret", namespace: r.Namespace, name: r.Name, key: r.Key})
		case *notificationv2beta2.ConfigmapKeySelector:
			return append(out, settingRef{field: path, kind: "ConfigMap", namespace: r.Namespace, name: r.Name})
		}
		return settingRefs(path, v.Elem(), out)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			out = settingRefs(path+"."+jsonFieldName(f), v.Field(i), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			out = settingRefs(fmt.Sprintf("%s[%d]", path, i), v.Index(i), out)
		}
	}
	return out
}

// checkReferences checks every Secret and ConfigMap spec refers to: it
// must exist (a Secret with its key); acting for a user, it must also be
// in the secret namespace and labelled as s's, or one the user may get.
// Whether an object the user may not use exists is not revealed.
func (c *Client) checkReferences(ctx context.Context, s Scope, spec any) error {
	for _, ref := range settingRefs("spec", reflect.ValueOf(spec), nil) {
		if ref.name == "" {
			return &InvalidError{Field: ref.field + ".name", Reason: "required"}
		}
		ns := ref.namespace
		if ns == "" {
			ns = c.secretNS
		}
		var obj client.Object = &corev1.Secret{}
		if ref.kind == "ConfigMap" {
			obj = &corev1.ConfigMap{}
		}
		err := c.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.name}, obj)
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("read %s %s/%s of %s: %w", ref.kind, ns, ref.name, ref.field, err)
		}
		found := err == nil
		owned := found && ns == c.secretNS && ownedBy(obj.GetLabels(), s)
		if c.gate.Acting() && !owned {
			ok, aerr := c.gate.Allowed(ctx, authz.Attributes{Verb: "get", Resource: strings.ToLower(ref.kind) + "s", Name: ref.name, Namespace: ns, Scope: authz.ScopeNamespace})
			if aerr != nil {
				return aerr
			}
			if !ok {
				return c.gate.Forbidden(fmt.Sprintf("%s: %s %s/%s is not one of %s's notification settings, and the user may not get it", ref.field, ref.kind, ns, ref.name, s))
			}
		}
		if !found {
			return &NotFoundError{Field: ref.field, Kind: ref.kind, Name: ns + "/" + ref.name, Err: err}
		}
		if secret, ok := obj.(*corev1.Secret); ok {
			if _, has := secret.Data[ref.key]; !has {
				return &InvalidError{Field: ref.field + ".key", Reason: fmt.Sprintf("Secret %s/%s has no key %q", ns, ref.name, ref.key)}
			}
		}
	}
	return nil
}

// ownedBy reports whether labels mark a Secret or ConfigMap as s's, as
// KubeSphere's /secrets (type=global) and /users/{user}/secrets
// (type=tenant, user=<user>) label them.
func ownedBy(l map[string]string, s Scope) bool {
	if s.global {
		return l[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeGlobal
	}
	return l[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeTenant && l[notificationv2beta2.UserLabel] == s.user
}

// requireArg refuses a nil object argument.
func requireArg(field string, isNil bool) error {
	if isNil {
		return &InvalidError{Field: field, Reason: "required"}
	}
	return nil
}

// typedResult converts a generic operation's answer.
func typedResult[T client.Object](obj client.Object, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	return obj.(T), nil
}

// CreateConfig creates cfg in s, labelled as s's (type=default for
// Global, type=tenant and user=<user> for a tenant), and returns what was
// stored. cfg is not modified.
func (c *Client) CreateConfig(ctx context.Context, s Scope, cfg *notificationv2beta2.Config) (*notificationv2beta2.Config, error) {
	if err := requireArg("config", cfg == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Config](c.create(ctx, configKind, s, cfg))
}

// UpdateConfig replaces s's Config of cfg's name with cfg, labelled as
// s's; another's is a *ForbiddenError. cfg is not modified.
func (c *Client) UpdateConfig(ctx context.Context, s Scope, cfg *notificationv2beta2.Config) (*notificationv2beta2.Config, error) {
	if err := requireArg("config", cfg == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Config](c.update(ctx, configKind, s, cfg))
}

// DeleteConfig deletes s's Config name; another's is a *ForbiddenError.
func (c *Client) DeleteConfig(ctx context.Context, s Scope, name string) error {
	return c.remove(ctx, configKind, s, name)
}

// GetConfig returns s's Config name; another's is a *ForbiddenError.
func (c *Client) GetConfig(ctx context.Context, s Scope, name string) (*notificationv2beta2.Config, error) {
	return typedResult[*notificationv2beta2.Config](c.read(ctx, configKind, s, name))
}

// ListConfigs returns s's Configs opts selects, and how many there are
// before paging.
func (c *Client) ListConfigs(ctx context.Context, s Scope, opts ListOptions) (*notificationv2beta2.ConfigList, int, error) {
	list := &notificationv2beta2.ConfigList{}
	total, err := c.list(ctx, configKind, s, opts, list)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// CreateReceiver creates r in s, labelled as s's (type=global, or
// type=tenant and user=<user>), and returns what was stored. r is not
// modified.
func (c *Client) CreateReceiver(ctx context.Context, s Scope, r *notificationv2beta2.Receiver) (*notificationv2beta2.Receiver, error) {
	if err := requireArg("receiver", r == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Receiver](c.create(ctx, receiverKind, s, r))
}

// UpdateReceiver replaces s's Receiver of r's name with r, labelled as
// s's; another's is a *ForbiddenError. r is not modified.
func (c *Client) UpdateReceiver(ctx context.Context, s Scope, r *notificationv2beta2.Receiver) (*notificationv2beta2.Receiver, error) {
	if err := requireArg("receiver", r == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Receiver](c.update(ctx, receiverKind, s, r))
}

// DeleteReceiver deletes s's Receiver name; another's is a
// *ForbiddenError.
func (c *Client) DeleteReceiver(ctx context.Context, s Scope, name string) error {
	return c.remove(ctx, receiverKind, s, name)
}

// GetReceiver returns s's Receiver name; another's is a *ForbiddenError.
func (c *Client) GetReceiver(ctx context.Context, s Scope, name string) (*notificationv2beta2.Receiver, error) {
	return typedResult[*notificationv2beta2.Receiver](c.read(ctx, receiverKind, s, name))
}

// ListReceivers returns s's Receivers opts selects, and how many there
// are before paging.
func (c *Client) ListReceivers(ctx context.Context, s Scope, opts ListOptions) (*notificationv2beta2.ReceiverList, int, error) {
	list := &notificationv2beta2.ReceiverList{}
	total, err := c.list(ctx, receiverKind, s, opts, list)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// CreateRouter creates the global Router r, labelled type=global, and
// returns what was stored. Routers are the platform's only, as in
// KubeSphere. r is not modified.
func (c *Client) CreateRouter(ctx context.Context, r *notificationv2beta2.Router) (*notificationv2beta2.Router, error) {
	if err := requireArg("router", r == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Router](c.create(ctx, routerKind, Global(), r))
}

// UpdateRouter replaces the global Router of r's name with r. r is not
// modified.
func (c *Client) UpdateRouter(ctx context.Context, r *notificationv2beta2.Router) (*notificationv2beta2.Router, error) {
	if err := requireArg("router", r == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Router](c.update(ctx, routerKind, Global(), r))
}

// DeleteRouter deletes the global Router name.
func (c *Client) DeleteRouter(ctx context.Context, name string) error {
	return c.remove(ctx, routerKind, Global(), name)
}

// GetRouter returns the global Router name.
func (c *Client) GetRouter(ctx context.Context, name string) (*notificationv2beta2.Router, error) {
	return typedResult[*notificationv2beta2.Router](c.read(ctx, routerKind, Global(), name))
}

// ListRouters returns the global Routers opts.Query selects, and how many
// there are before paging.
func (c *Client) ListRouters(ctx context.Context, opts ListOptions) (*notificationv2beta2.RouterList, int, error) {
	list := &notificationv2beta2.RouterList{}
	total, err := c.list(ctx, routerKind, Global(), opts, list)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// CreateSilence creates silence in s, labelled as s's (type=global, or
// type=tenant and user=<user>), and returns what was stored. silence is
// not modified.
func (c *Client) CreateSilence(ctx context.Context, s Scope, silence *notificationv2beta2.Silence) (*notificationv2beta2.Silence, error) {
	if err := requireArg("silence", silence == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Silence](c.create(ctx, silenceKind, s, silence))
}

// UpdateSilence replaces s's Silence of silence's name with silence,
// labelled as s's; another's is a *ForbiddenError. silence is not
// modified.
func (c *Client) UpdateSilence(ctx context.Context, s Scope, silence *notificationv2beta2.Silence) (*notificationv2beta2.Silence, error) {
	if err := requireArg("silence", silence == nil); err != nil {
		return nil, err
	}
	return typedResult[*notificationv2beta2.Silence](c.update(ctx, silenceKind, s, silence))
}

// DeleteSilence deletes s's Silence name; another's is a *ForbiddenError.
func (c *Client) DeleteSilence(ctx context.Context, s Scope, name string) error {
	return c.remove(ctx, silenceKind, s, name)
}

// GetSilence returns s's Silence name; another's is a *ForbiddenError.
func (c *Client) GetSilence(ctx context.Context, s Scope, name string) (*notificationv2beta2.Silence, error) {
	return typedResult[*notificationv2beta2.Silence](c.read(ctx, silenceKind, s, name))
}

// ListSilences returns s's Silences opts.Query selects, and how many
// there are before paging.
func (c *Client) ListSilences(ctx context.Context, s Scope, opts ListOptions) (*notificationv2beta2.SilenceList, int, error) {
	list := &notificationv2beta2.SilenceList{}
	total, err := c.list(ctx, silenceKind, s, opts, list)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// VerifyAlert is the test alert Verify sends at now: firing, named
// VerifyAlertName (labels alertname and alerttype, as notification-
// manager's verification; alerttime is now), with a message saying it is
// a test.
func VerifyAlert(now time.Time) Alert {
	return Alert{
		Status: StatusFiring,
		Labels: map[string]string{"alertname": VerifyAlertName, "alerttype": VerifyAlertName, "alerttime": now.Local().String()},
		Annotations: map[string]string{
			"message": "A test notification: this receiver's notification settings work.",
		},
		StartsAt: now,
		EndsAt:   now,
	}
}

// Verify sends a test notification (VerifyAlert) on every enabled channel
// of rcv, through cfg when given (else through the stored Configs, as
// routing picks them), without storing either, as KubeSphere's
// /verification and /users/{user}/verification do; both are labelled as
// s's first, under the rules of Create. The answer is nil when every
// channel took it, else each channel's error (an SMTP server's dial
// error, a webhook's status), wrapped and joined. Bad input is refused
// before anything is sent: a receiver with no enabled channel, one that
// fails ValidateReceiver, a config that fails ValidateConfig, or a
// Secret they refer to that is missing or not the user's to use.
func (c *Client) Verify(ctx context.Context, s Scope, cfg *notificationv2beta2.Config, rcv *notificationv2beta2.Receiver) error {
	if err := requireArg("receiver", rcv == nil); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	r := rcv.DeepCopy()
	if err := receiverKind.stampLabels(s, r); err != nil {
		return err
	}
	var cf *notificationv2beta2.Config
	if cfg != nil {
		cf = cfg.DeepCopy()
		if err := configKind.stampLabels(s, cf); err != nil {
			return err
		}
		if err := ValidateConfig(cf); err != nil {
			return err
		}
	}
	if err := c.authorize(ctx, s.verification()); err != nil {
		return err
	}
	objs := Objects{Receivers: []notificationv2beta2.Receiver{*r}}
	if cf != nil {
		objs.Configs = []notificationv2beta2.Config{*cf}
	} else {
		var all notificationv2beta2.ConfigList
		if err := c.c.List(ctx, &all); err != nil {
			return fmt.Errorf("list configs: %w", err)
		}
		objs.Configs = all.Items
	}
	if err := ValidateReceiver(r, objs.Configs); err != nil {
		return err
	}
	if err := c.checkReferences(ctx, s, &r.Spec); err != nil {
		return err
	}
	if cf != nil {
		if err := c.checkReferences(ctx, s, &cf.Spec); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	targets := targetsOf(objs)
	if len(targets) == 0 {
		return &InvalidError{Field: "receiver.spec", Reason: "no enabled channel to verify"}
	}
	alert := VerifyAlert(time.Now())
	deliveries := make([]Delivery, 0, len(targets))
	for _, t := range targets {
		deliveries = append(deliveries, Delivery{Target: t.Target, Alerts: []Alert{alert}})
	}
	var errs []error
	for _, res := range c.deliverer.Deliver(ctx, deliveries, objs) {
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("verify receiver %q on %s: %w", r.Name, res.Target.Channel, res.Err))
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
