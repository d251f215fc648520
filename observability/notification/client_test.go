package notification_test

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/fielderr"
	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// notificationPolicy is what KubeSphere 3.4.1 (ks-installer's
// role-templates.yaml) gives: every user the authenticated GlobalRole,
// whose rego override allows anything on their own user (so
// /users/{user}/receivers), and nadia role-template-manage-platform-
// settings, every verb on notification.kubesphere.io.
const notificationPolicy = `
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRole
metadata:
  name: authenticated
  annotations:
    iam.kubesphere.io/rego-override: |-
      package authz
      default allow = false
      allow = true {
        input.Resource == "users"
        input.User.Name == input.Name
      }
---
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRoleBinding
metadata: {name: authenticated}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:authenticated"}]
roleRef: {apiGroup: iam.kubesphere.io, kind: GlobalRole, name: authenticated}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRole
metadata: {name: role-template-manage-platform-settings}
rules:
- {apiGroups: [logging.kubesphere.io, notification.kubesphere.io], resources: ["*"], verbs: ["*"]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRoleBinding
metadata: {name: nadia-platform-settings}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: nadia}]
roleRef: {apiGroup: iam.kubesphere.io, kind: GlobalRole, name: role-template-manage-platform-settings}
`

var seq atomic.Int64

// uniq is a name no other test of the package uses.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

// clients are the Clients of one test: the host's (acting for nobody),
// two tenants' and the platform's notification administrator's, all with
// the secret namespace ns.
type clients struct {
	ns                  string
	host, alice, nadia  *notification.Client
	aliceName, bobName  string
	aliceUser, bobScope notification.Scope
}

func newClients(t *testing.T) *clients {
	t.Helper()
	objs, err := authz.DecodeObjects(strings.NewReader(notificationPolicy))
	require.NoError(t, err)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	c := &clients{ns: env.NewNamespace(t), aliceName: uniq("alice"), bobName: uniq("bob")}
	c.aliceUser, c.bobScope = notification.Tenant(c.aliceName), notification.Tenant(c.bobName)
	mk := func(u *authz.User) *notification.Client {
		cl, err := notification.NewClient(env.Client, notification.ClientOptions{OnBehalfOf: u, Authorizer: az, SecretNamespace: c.ns})
		require.NoError(t, err)
		return cl
	}
	authenticated := []string{"system:authenticated"}
	c.host = mk(nil)
	c.alice = mk(&authz.User{Name: c.aliceName, Groups: authenticated})
	c.nadia = mk(&authz.User{Name: "nadia", Groups: authenticated})
	return c
}

func webhookReceiver(name, url string, labels ...string) *notificationv2beta2.Receiver {
	return &notificationv2beta2.Receiver{ObjectMeta: meta(name, labels...),
		Spec: notificationv2beta2.ReceiverSpec{Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To(url)}}}
}

func emailReceiver(name string, to ...string) *notificationv2beta2.Receiver {
	return &notificationv2beta2.Receiver{ObjectMeta: meta(name), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: to}}}
}

func emailConfig(name, addr string) *notificationv2beta2.Config {
	host, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	return &notificationv2beta2.Config{ObjectMeta: meta(name),
		Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "platform@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}}
}

func silence(name string) *notificationv2beta2.Silence {
	return &notificationv2beta2.Silence{ObjectMeta: meta(name),
		Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"namespace": "demo"}}}}
}

func router(name string) *notificationv2beta2.Router {
	return &notificationv2beta2.Router{ObjectMeta: meta(name), Spec: notificationv2beta2.RouterSpec{
		AlertSelector: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"severity": "critical"}},
		Receivers:     notificationv2beta2.ReceiverSelector{RegexName: "^pager"}}}
}

// bearer is a webhook receiver whose bearer token is key of Secret name.
func bearer(name, url, secret, key string) *notificationv2beta2.Receiver {
	r := webhookReceiver(name, url)
	r.Spec.Webhook.HTTPConfig = &notificationv2beta2.HTTPClientConfig{BearerToken: &notificationv2beta2.Credential{
		ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: secret, Key: key}}}}
	return r
}

// secret creates a Secret with a token in ns, labelled.
func secret(t *testing.T, ns, name string, labels ...string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: meta(name, labels...), Data: map[string][]byte{"token": []byte("s3cret")}}
	s.Namespace = ns
	require.NoError(t, env.Client.Create(context.Background(), s))
}

// snapshot is every notification object's name and resource version.
func snapshot(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	var cs notificationv2beta2.ConfigList
	var rs notificationv2beta2.ReceiverList
	var ros notificationv2beta2.RouterList
	var ss notificationv2beta2.SilenceList
	for _, l := range []client.ObjectList{&cs, &rs, &ros, &ss} {
		require.NoError(t, env.Client.List(ctx, l))
	}
	add := func(kind string, o metav1.Object) { out[kind+"/"+o.GetName()] = o.GetResourceVersion() }
	for i := range cs.Items {
		add("config", &cs.Items[i])
	}
	for i := range rs.Items {
		add("receiver", &rs.Items[i])
	}
	for i := range ros.Items {
		add("router", &ros.Items[i])
	}
	for i := range ss.Items {
		add("silence", &ss.Items[i])
	}
	return out
}

// okServer is a webhook that answers 200.
func okServer(t *testing.T) string {
	s := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(s.Close)
	return s.URL
}

// TestClientStampsLabels: what a tenant, the platform's administrator and
// the host create is labelled as KubeSphere labels it, in what the API
// server stores; the caller's object is left as it was.
func TestClientStampsLabels(t *testing.T) {
	ctx := context.Background()
	c := newClients(t)
	url := okServer(t)
	tenant := map[string]string{"type": "tenant", "user": c.aliceName}
	tests := []struct {
		name string
		// in is the object given; create creates it.
		in     client.Object
		create func(in client.Object) (client.Object, error)
		want   map[string]string
	}{
		{"a tenant's receiver", webhookReceiver(uniq("stamp"), url, "team", "web"), func(in client.Object) (client.Object, error) {
			return c.alice.CreateReceiver(ctx, c.aliceUser, in.(*notificationv2beta2.Receiver))
		}, map[string]string{"team": "web", "type": "tenant", "user": c.aliceName}},
		{"a tenant's receiver that says so already", webhookReceiver(uniq("stamp"), url, "type", "tenant", "user", c.aliceName), func(in client.Object) (client.Object, error) {
			return c.alice.CreateReceiver(ctx, c.aliceUser, in.(*notificationv2beta2.Receiver))
		}, tenant},
		{"a tenant's config", emailConfig(uniq("stamp"), mail.SMTPAddress()), func(in client.Object) (client.Object, error) {
			return c.alice.CreateConfig(ctx, c.aliceUser, in.(*notificationv2beta2.Config))
		}, tenant},
		{"a tenant's silence", silence(uniq("stamp")), func(in client.Object) (client.Object, error) {
			return c.alice.CreateSilence(ctx, c.aliceUser, in.(*notificationv2beta2.Silence))
		}, tenant},
		{"a global receiver", webhookReceiver(uniq("stamp"), url), func(in client.Object) (client.Object, error) {
			return c.nadia.CreateReceiver(ctx, notification.Global(), in.(*notificationv2beta2.Receiver))
		}, map[string]string{"type": "global"}},
		{"a global config is a default one", emailConfig(uniq("stamp"), mail.SMTPAddress()), func(in client.Object) (client.Object, error) {
			return c.nadia.CreateConfig(ctx, notification.Global(), in.(*notificationv2beta2.Config))
		}, map[string]string{"type": "default"}},
		{"a global silence", silence(uniq("stamp")), func(in client.Object) (client.Object, error) {
			return c.nadia.CreateSilence(ctx, notification.Global(), in.(*notificationv2beta2.Silence))
		}, map[string]string{"type": "global"}},
		{"a router", router(uniq("stamp")), func(in client.Object) (client.Object, error) {
			return c.nadia.CreateRouter(ctx, in.(*notificationv2beta2.Router))
		}, map[string]string{"type": "global"}},
		{"the host's, for a tenant", webhookReceiver(uniq("stamp"), url), func(in client.Object) (client.Object, error) {
			return c.host.CreateReceiver(ctx, c.bobScope, in.(*notificationv2beta2.Receiver))
		}, map[string]string{"type": "tenant", "user": c.bobName}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			given := maps.Clone(tt.in.GetLabels())
			out, err := tt.create(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.GetLabels())
			stored := reflect.New(reflect.TypeOf(out).Elem()).Interface().(client.Object)
			require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(out), stored))
			assert.Equal(t, tt.want, stored.GetLabels(), "the stored labels")
			assert.Equal(t, given, tt.in.GetLabels(), "the caller's object was changed")
		})
	}
}

// TestClientOnBehalfOf: alice, a tenant, is refused everything outside her
// own objects (another user's, the platform's, routers, the Secrets of
// others) with a *ForbiddenError and nothing written, and allowed her own;
// nadia, the platform's notification administrator, manages the global
// objects. Client's methods are enumerated by reflection, so a method
// added without a refused and an allowed row fails the test.
func TestClientOnBehalfOf(t *testing.T) {
	ctx := context.Background()
	c := newClients(t)
	url := okServer(t)
	mk := func(prefix string) string { return uniq(prefix) }

	// bob's objects, the platform's, and a Secret of bob's and one
	// elsewhere.
	bobs := mk("bob-rcv")
	_, err := c.host.CreateReceiver(ctx, c.bobScope, webhookReceiver(bobs, url))
	require.NoError(t, err)
	bobsConfig := mk("bob-cfg")
	_, err = c.host.CreateConfig(ctx, c.bobScope, emailConfig(bobsConfig, mail.SMTPAddress()))
	require.NoError(t, err)
	bobsSilence := mk("bob-sil")
	_, err = c.host.CreateSilence(ctx, c.bobScope, silence(bobsSilence))
	require.NoError(t, err)
	global := mk("pager")
	_, err = c.nadia.CreateReceiver(ctx, notification.Global(), webhookReceiver(global, url))
	require.NoError(t, err)
	globalSilence := mk("gsil")
	_, err = c.nadia.CreateSilence(ctx, notification.Global(), silence(globalSilence))
	require.NoError(t, err)
	globalRouter := mk("router")
	_, err = c.nadia.CreateRouter(ctx, router(globalRouter))
	require.NoError(t, err)
	bobsSecret := mk("bob-secret")
	secret(t, c.ns, bobsSecret, "type", "tenant", "user", c.bobName)
	elsewhere := env.NewNamespace(t)
	secret(t, elsewhere, "token")
	alicesSecret := mk("alice-secret")
	secret(t, c.ns, alicesSecret, "type", "tenant", "user", c.aliceName)
	globalSecret := mk("global-secret")
	secret(t, c.ns, globalSecret, "type", "global")

	// alice's own objects, for the allowed rows.
	own := mk("alice-rcv")
	_, err = c.alice.CreateReceiver(ctx, c.aliceUser, webhookReceiver(own, url))
	require.NoError(t, err)
	ownConfig := mk("alice-cfg")
	_, err = c.alice.CreateConfig(ctx, c.aliceUser, emailConfig(ownConfig, mail.SMTPAddress()))
	require.NoError(t, err)
	ownSilence := mk("alice-sil")
	_, err = c.alice.CreateSilence(ctx, c.aliceUser, silence(ownSilence))
	require.NoError(t, err)

	type row struct {
		name string
		do   func() error
	}
	alice, g := c.alice, notification.Global()
	elsewhereRef := bearer(mk("x"), url, "token", "token")
	elsewhereRef.Spec.Webhook.HTTPConfig.BearerToken.ValueFrom.SecretKeyRef.Namespace = elsewhere
	refused := []row{
		{"CreateReceiver/for another user", func() error {
			_, err := alice.CreateReceiver(ctx, c.bobScope, webhookReceiver(mk("x"), url))
			return err
		}},
		{"CreateReceiver/global", func() error { _, err := alice.CreateReceiver(ctx, g, webhookReceiver(mk("x"), url)); return err }},
		{"CreateReceiver/with another user's Secret", func() error {
			_, err := alice.CreateReceiver(ctx, c.aliceUser, bearer(mk("x"), url, bobsSecret, "token"))
			return err
		}},
		{"CreateReceiver/with a global Secret", func() error {
			_, err := alice.CreateReceiver(ctx, c.aliceUser, bearer(mk("x"), url, globalSecret, "token"))
			return err
		}},
		{"CreateReceiver/with a Secret of another namespace", func() error {
			_, err := alice.CreateReceiver(ctx, c.aliceUser, elsewhereRef)
			return err
		}},
		{"CreateReceiver/with a Secret that does not exist (not revealed)", func() error {
			_, err := alice.CreateReceiver(ctx, c.aliceUser, bearer(mk("x"), url, "ghost", "token"))
			return err
		}},
		{"UpdateReceiver/another user's", func() error { _, err := alice.UpdateReceiver(ctx, c.bobScope, webhookReceiver(bobs, url)); return err }},
		{"UpdateReceiver/another user's, named in her own scope", func() error {
			_, err := alice.UpdateReceiver(ctx, c.aliceUser, webhookReceiver(bobs, url))
			return err
		}},
		{"UpdateReceiver/global", func() error { _, err := alice.UpdateReceiver(ctx, g, webhookReceiver(global, url)); return err }},
		{"DeleteReceiver/another user's", func() error { return alice.DeleteReceiver(ctx, c.bobScope, bobs) }},
		{"DeleteReceiver/another user's, named in her own scope", func() error { return alice.DeleteReceiver(ctx, c.aliceUser, bobs) }},
		{"DeleteReceiver/global", func() error { return alice.DeleteReceiver(ctx, g, global) }},
		{"DeleteReceiver/global, named in her own scope", func() error { return alice.DeleteReceiver(ctx, c.aliceUser, global) }},
		{"GetReceiver/another user's, named in her own scope", func() error { _, err := alice.GetReceiver(ctx, c.aliceUser, bobs); return err }},
		{"GetReceiver/global", func() error { _, err := alice.GetReceiver(ctx, g, global); return err }},
		{"ListReceivers/another user's", func() error {
			_, _, err := alice.ListReceivers(ctx, c.bobScope, notification.ListOptions{})
			return err
		}},
		{"ListReceivers/global", func() error { _, _, err := alice.ListReceivers(ctx, g, notification.ListOptions{}); return err }},
		{"CreateConfig/global", func() error {
			_, err := alice.CreateConfig(ctx, g, emailConfig(mk("x"), mail.SMTPAddress()))
			return err
		}},
		{"UpdateConfig/another user's", func() error {
			_, err := alice.UpdateConfig(ctx, c.bobScope, emailConfig(bobsConfig, mail.SMTPAddress()))
			return err
		}},
		{"DeleteConfig/another user's, named in her own scope", func() error { return alice.DeleteConfig(ctx, c.aliceUser, bobsConfig) }},
		{"GetConfig/another user's", func() error { _, err := alice.GetConfig(ctx, c.bobScope, bobsConfig); return err }},
		{"ListConfigs/global", func() error { _, _, err := alice.ListConfigs(ctx, g, notification.ListOptions{}); return err }},
		{"CreateSilence/for another user", func() error { _, err := alice.CreateSilence(ctx, c.bobScope, silence(mk("x"))); return err }},
		{"UpdateSilence/global", func() error { _, err := alice.UpdateSilence(ctx, g, silence(globalSilence)); return err }},
		{"DeleteSilence/another user's, named in her own scope", func() error { return alice.DeleteSilence(ctx, c.aliceUser, bobsSilence) }},
		{"GetSilence/global", func() error { _, err := alice.GetSilence(ctx, g, globalSilence); return err }},
		{"ListSilences/another user's", func() error { _, _, err := alice.ListSilences(ctx, c.bobScope, notification.ListOptions{}); return err }},
		{"CreateRouter/a tenant", func() error { _, err := alice.CreateRouter(ctx, router(mk("x"))); return err }},
		{"UpdateRouter/a tenant", func() error { _, err := alice.UpdateRouter(ctx, router(globalRouter)); return err }},
		{"DeleteRouter/a tenant", func() error { return alice.DeleteRouter(ctx, globalRouter) }},
		{"GetRouter/a tenant", func() error { _, err := alice.GetRouter(ctx, globalRouter); return err }},
		{"ListRouters/a tenant", func() error { _, _, err := alice.ListRouters(ctx, notification.ListOptions{}); return err }},
		{"Verify/for another user", func() error { return alice.Verify(ctx, c.bobScope, nil, webhookReceiver(mk("x"), url)) }},
		{"Verify/global", func() error { return alice.Verify(ctx, g, nil, webhookReceiver(mk("x"), url)) }},
		{"Verify/with another user's Secret", func() error {
			return alice.Verify(ctx, c.aliceUser, nil, bearer(mk("x"), url, bobsSecret, "token"))
		}},
	}
	var listed *notificationv2beta2.ReceiverList
	allowed := []row{
		{"CreateReceiver/her own", func() error {
			_, err := alice.CreateReceiver(ctx, c.aliceUser, webhookReceiver(mk("x"), url))
			return err
		}},
		{"CreateReceiver/her own, with her own Secret", func() error {
			_, err := alice.CreateReceiver(ctx, c.aliceUser, bearer(mk("x"), url, alicesSecret, "token"))
			return err
		}},
		{"CreateReceiver/global, by the administrator, with a global Secret", func() error {
			_, err := c.nadia.CreateReceiver(ctx, g, bearer(mk("pager"), url, globalSecret, "token"))
			return err
		}},
		{"UpdateReceiver/her own", func() error {
			_, err := alice.UpdateReceiver(ctx, c.aliceUser, webhookReceiver(own, url+"/changed"))
			return err
		}},
		{"DeleteReceiver/her own", func() error {
			n := mk("del")
			if _, err := alice.CreateReceiver(ctx, c.aliceUser, webhookReceiver(n, url)); err != nil {
				return err
			}
			return alice.DeleteReceiver(ctx, c.aliceUser, n)
		}},
		{"GetReceiver/her own", func() error { _, err := alice.GetReceiver(ctx, c.aliceUser, own); return err }},
		{"ListReceivers/her own", func() error {
			var err error
			listed, _, err = alice.ListReceivers(ctx, c.aliceUser, notification.ListOptions{})
			return err
		}},
		{"CreateConfig/her own", func() error {
			_, err := alice.CreateConfig(ctx, c.aliceUser, emailConfig(mk("x"), mail.SMTPAddress()))
			return err
		}},
		{"UpdateConfig/her own", func() error {
			_, err := alice.UpdateConfig(ctx, c.aliceUser, emailConfig(ownConfig, mail.SMTPAddress()))
			return err
		}},
		{"DeleteConfig/bob's, by the host", func() error { return c.host.DeleteConfig(ctx, c.bobScope, bobsConfig) }},
		{"GetConfig/her own", func() error { _, err := alice.GetConfig(ctx, c.aliceUser, ownConfig); return err }},
		{"ListConfigs/her own", func() error { _, _, err := alice.ListConfigs(ctx, c.aliceUser, notification.ListOptions{}); return err }},
		{"CreateSilence/her own", func() error { _, err := alice.CreateSilence(ctx, c.aliceUser, silence(mk("x"))); return err }},
		{"UpdateSilence/global, by the administrator", func() error { _, err := c.nadia.UpdateSilence(ctx, g, silence(globalSilence)); return err }},
		{"DeleteSilence/her own", func() error { return alice.DeleteSilence(ctx, c.aliceUser, ownSilence) }},
		{"GetSilence/her own", func() error {
			n := mk("x")
			if _, err := alice.CreateSilence(ctx, c.aliceUser, silence(n)); err != nil {
				return err
			}
			_, err := alice.GetSilence(ctx, c.aliceUser, n)
			return err
		}},
		{"ListSilences/global, by the administrator", func() error { _, _, err := c.nadia.ListSilences(ctx, g, notification.ListOptions{}); return err }},
		{"CreateRouter/by the administrator", func() error { _, err := c.nadia.CreateRouter(ctx, router(mk("x"))); return err }},
		{"UpdateRouter/by the administrator", func() error { _, err := c.nadia.UpdateRouter(ctx, router(globalRouter)); return err }},
		{"GetRouter/by the administrator", func() error { _, err := c.nadia.GetRouter(ctx, globalRouter); return err }},
		{"ListRouters/by the administrator", func() error { _, _, err := c.nadia.ListRouters(ctx, notification.ListOptions{}); return err }},
		{"DeleteRouter/by the administrator", func() error { return c.nadia.DeleteRouter(ctx, globalRouter) }},
		{"Verify/her own receiver", func() error { return alice.Verify(ctx, c.aliceUser, nil, webhookReceiver(mk("x"), url)) }},
		{"Verify/a global receiver, by the administrator", func() error { return c.nadia.Verify(ctx, g, nil, webhookReceiver(mk("x"), url)) }},
		{"Verify/bob's receiver, by the administrator", func() error { return c.nadia.Verify(ctx, c.bobScope, nil, webhookReceiver(mk("x"), url)) }},
	}

	method := func(r string) string { m, _, _ := strings.Cut(r, "/"); return m }
	typ := reflect.TypeFor[*notification.Client]()
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		of := func(r row) bool { return method(r.name) == m }
		assert.True(t, slices.ContainsFunc(refused, of), "Client.%s has no refused row", m)
		assert.True(t, slices.ContainsFunc(allowed, of), "Client.%s has no allowed row", m)
	}

	before := snapshot(t)
	for _, r := range refused {
		t.Run("refused/"+r.name, func(t *testing.T) {
			_, ok := typ.MethodByName(method(r.name))
			require.True(t, ok, "row for a method Client does not have")
			err := r.do()
			require.ErrorIs(t, err, fielderr.ErrForbidden)
			var fe *notification.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, c.aliceName, fe.User)
		})
	}
	assert.Equal(t, before, snapshot(t), "refused calls changed notification objects")
	for _, r := range allowed {
		t.Run("allowed/"+r.name, func(t *testing.T) { require.NoError(t, r.do()) })
	}
	require.NotNil(t, listed)
	for _, r := range listed.Items {
		assert.Equal(t, c.aliceName, r.Labels["user"], "alice listed %s", r.Name)
	}
	assert.True(t, slices.ContainsFunc(listed.Items, func(r notificationv2beta2.Receiver) bool { return r.Name == own }))
	var stored notificationv2beta2.Receiver
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: own}, &stored))
	assert.Equal(t, url+"/changed", *stored.Spec.Webhook.URL, "alice's update")
	assert.Equal(t, map[string]string{"type": "tenant", "user": c.aliceName}, stored.Labels, "alice's update kept her labels")
}

// TestClientRefusesBadInput: input that fails the labels' rules, the
// validation functions or a Secret's presence is refused with an
// *InvalidError (or *NotFoundError) naming the field, and nothing is
// written.
func TestClientRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	c := newClients(t)
	url := okServer(t)
	own := uniq("own")
	_, err := c.alice.CreateReceiver(ctx, c.aliceUser, webhookReceiver(own, url))
	require.NoError(t, err)
	keyless := uniq("keyless")
	secret(t, c.ns, keyless, "type", "tenant", "user", c.aliceName)

	selectsNothing := emailReceiver(uniq("x"), "a@example.com")
	selectsNothing.Spec.Email.EmailConfigSelector = &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"nothing": uniq("x")}}
	noCredential := emailConfig(uniq("x"), mail.SMTPAddress())
	noCredential.Spec.Email.AuthPassword = &notificationv2beta2.Credential{}
	noChannel := &notificationv2beta2.Receiver{ObjectMeta: meta(uniq("x"))}
	tests := []struct {
		name  string
		do    func() error
		field string // of the *InvalidError; empty for checkNotFound
		// notFound, when set, wants a *NotFoundError of this field.
		notFound string
	}{
		{"a tenant's receiver naming another user", func() error {
			_, err := c.alice.CreateReceiver(ctx, c.aliceUser, webhookReceiver(uniq("x"), url, "user", c.bobName))
			return err
		}, "metadata.labels.user", ""},
		{"a tenant's receiver typed global", func() error {
			_, err := c.alice.CreateReceiver(ctx, c.aliceUser, webhookReceiver(uniq("x"), url, "type", "global"))
			return err
		}, "metadata.labels.type", ""},
		{"an update moving a tenant's receiver to another user", func() error {
			_, err := c.alice.UpdateReceiver(ctx, c.aliceUser, webhookReceiver(own, url, "user", c.bobName))
			return err
		}, "metadata.labels.user", ""},
		{"an update making a tenant's receiver global", func() error {
			_, err := c.alice.UpdateReceiver(ctx, c.aliceUser, webhookReceiver(own, url, "type", "global"))
			return err
		}, "metadata.labels.type", ""},
		{"a global receiver naming a user", func() error {
			_, err := c.nadia.CreateReceiver(ctx, notification.Global(), webhookReceiver(uniq("x"), url, "user", c.aliceName))
			return err
		}, "metadata.labels.user", ""},
		{"a global silence typed tenant", func() error {
			s := silence(uniq("x"))
			s.Labels = map[string]string{"type": "tenant"}
			_, err := c.nadia.CreateSilence(ctx, notification.Global(), s)
			return err
		}, "metadata.labels.type", ""},
		{"an email receiver without addresses", func() error {
			_, err := c.host.CreateReceiver(ctx, c.aliceUser, emailReceiver(uniq("x")))
			return err
		}, "spec.email.to", ""},
		{"a config selector selecting no config", func() error {
			_, err := c.host.CreateReceiver(ctx, c.aliceUser, selectsNothing)
			return err
		}, "spec.email.emailConfigSelector", ""},
		{"a credential that is neither a value nor a Secret", func() error {
			_, err := c.host.CreateConfig(ctx, notification.Global(), noCredential)
			return err
		}, "spec.email.authPassword", ""},
		{"a Secret that does not exist, for the host", func() error {
			_, err := c.host.CreateReceiver(ctx, c.aliceUser, bearer(uniq("x"), url, "ghost", "token"))
			return err
		}, "", "spec.webhook.httpConfig.bearerToken.valueFrom.secretKeyRef"},
		{"her own Secret without the key", func() error {
			_, err := c.alice.CreateReceiver(ctx, c.aliceUser, bearer(uniq("x"), url, keyless, "password"))
			return err
		}, "spec.webhook.httpConfig.bearerToken.valueFrom.secretKeyRef.key", ""},
		{"a silence without a matcher", func() error {
			_, err := c.host.CreateSilence(ctx, c.aliceUser, &notificationv2beta2.Silence{ObjectMeta: meta(uniq("x"))})
			return err
		}, "spec.matcher", ""},
		{"a router naming a receiver that does not exist", func() error {
			r := router(uniq("x"))
			r.Spec.Receivers = notificationv2beta2.ReceiverSelector{Name: []string{uniq("ghost")}}
			_, err := c.nadia.CreateRouter(ctx, r)
			return err
		}, "spec.receivers.name[0]", ""},
		{"an unknown channel to list", func() error {
			_, _, err := c.alice.ListReceivers(ctx, c.aliceUser, notification.ListOptions{Channel: "pigeon"})
			return err
		}, "Channel", ""},
		{"discord, which configs do not have", func() error {
			_, _, err := c.alice.ListConfigs(ctx, c.aliceUser, notification.ListOptions{Channel: "discord"})
			return err
		}, "Channel", ""},
		{"a channel of routers, which have none", func() error {
			_, _, err := c.nadia.ListRouters(ctx, notification.ListOptions{Channel: "enabled"})
			return err
		}, "Channel", ""},
		{"a receiver with no channel to verify", func() error { return c.alice.Verify(ctx, c.aliceUser, nil, noChannel) }, "receiver.spec", ""},
		{"no scope", func() error {
			_, err := c.host.CreateReceiver(ctx, notification.Scope{}, webhookReceiver(uniq("x"), url))
			return err
		}, "scope", ""},
		{"a user that cannot be a label", func() error {
			_, err := c.host.CreateReceiver(ctx, notification.Tenant("Bad User!"), webhookReceiver(uniq("x"), url))
			return err
		}, "scope", ""},
		{"no receiver", func() error { _, err := c.host.CreateReceiver(ctx, c.aliceUser, nil); return err }, "receiver", ""},
		{"no name", func() error { _, err := c.host.CreateReceiver(ctx, c.aliceUser, webhookReceiver("", url)); return err }, "metadata.name", ""},
	}
	before := snapshot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if tt.notFound != "" {
				var nf *notification.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, tt.notFound, nf.Field)
				assert.Equal(t, "Secret", nf.Kind)
				assert.True(t, apierrors.IsNotFound(err), "the API server's answer is kept")
				return
			}
			var ie *notification.InvalidError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.field, ie.Field, "%v", err)
		})
	}
	assert.Equal(t, before, snapshot(t), "refused input changed notification objects")
}

// TestClientList: lists keep to their scope, and KubeSphere's type
// parameter (Channel) keeps the objects configuring the channel, cut down
// to it, counted before paging.
func TestClientList(t *testing.T) {
	ctx := context.Background()
	c := newClients(t)
	url := okServer(t)
	both := emailConfig(uniq("both"), mail.SMTPAddress())
	both.Spec.Slack = &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{Value: "xoxb"}}
	slackOnly := &notificationv2beta2.Config{ObjectMeta: meta(uniq("slack")),
		Spec: notificationv2beta2.ConfigSpec{Slack: &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{Value: "xoxb"}}}}
	for _, cfg := range []*notificationv2beta2.Config{both, slackOnly, emailConfig(uniq("email"), mail.SMTPAddress())} {
		_, err := c.alice.CreateConfig(ctx, c.aliceUser, cfg)
		require.NoError(t, err)
	}
	_, err := c.host.CreateConfig(ctx, c.bobScope, emailConfig(uniq("bobs"), mail.SMTPAddress()))
	require.NoError(t, err)
	_, err = c.nadia.CreateReceiver(ctx, notification.Global(), webhookReceiver(uniq("pager"), url))
	require.NoError(t, err)

	all, total, err := c.alice.ListConfigs(ctx, c.aliceUser, notification.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	assert.Len(t, all.Items, 3)

	email, total, err := c.alice.ListConfigs(ctx, c.aliceUser, notification.ListOptions{Channel: "email", Query: resources.Query{SortBy: resources.SortByName, Ascending: true}})
	require.NoError(t, err)
	assert.Equal(t, 2, total, "both and email configure email")
	require.Len(t, email.Items, 2)
	for _, cfg := range email.Items {
		assert.NotNil(t, cfg.Spec.Email, cfg.Name)
		assert.Nil(t, cfg.Spec.Slack, "%s is cut down to email", cfg.Name)
	}
	page, total, err := c.alice.ListConfigs(ctx, c.aliceUser, notification.ListOptions{Channel: "email",
		Query: resources.Query{SortBy: resources.SortByName, Ascending: true, Limit: 1, Page: 2}})
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	require.Len(t, page.Items, 1)
	assert.Equal(t, email.Items[1].Name, page.Items[0].Name)

	globals, _, err := c.nadia.ListReceivers(ctx, notification.Global(), notification.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, globals.Items)
	for _, r := range globals.Items {
		assert.Equal(t, "global", r.Labels["type"], r.Name)
	}
	defaults, _, err := c.nadia.ListConfigs(ctx, notification.Global(), notification.ListOptions{})
	require.NoError(t, err)
	for _, cfg := range defaults.Items {
		assert.Equal(t, "default", cfg.Labels["type"], cfg.Name)
	}
}

// TestVerify sends test notifications through the real mailpit and
// webhooks, and checks the channel's error comes back when it fails;
// nothing is stored either way.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	c := newClients(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := closed.Addr().String()
	require.NoError(t, closed.Close())
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	defer failing.Close()
	stored := uniq("stored")
	_, err = c.alice.CreateConfig(ctx, c.aliceUser, emailConfig(stored, mail.SMTPAddress()))
	require.NoError(t, err)

	tests := []struct {
		name  string
		cfg   *notificationv2beta2.Config
		to    string // an address mailpit should receive the test at
		rcv   func(to string) *notificationv2beta2.Receiver
		check func(t *testing.T, err error)
	}{
		{"email through the given config", emailConfig(uniq("given"), mail.SMTPAddress()), uniq("alice") + "@example.com",
			func(to string) *notificationv2beta2.Receiver { return emailReceiver(uniq("rcv"), to) }, nil},
		{"email through her stored config", nil, uniq("alice") + "@example.com",
			func(to string) *notificationv2beta2.Receiver { return emailReceiver(uniq("rcv"), to) }, nil},
		{"an SMTP server that is not there", emailConfig(uniq("closed"), closedAddr), "",
			func(string) *notificationv2beta2.Receiver { return emailReceiver(uniq("rcv"), "alice@example.com") },
			func(t *testing.T, err error) {
				require.ErrorIs(t, err, syscall.ECONNREFUSED)
				var op *net.OpError
				require.ErrorAs(t, err, &op)
				assert.Equal(t, "dial", op.Op)
				assert.Contains(t, err.Error(), "on email")
			}},
		{"a webhook that answers 404", nil, "",
			func(string) *notificationv2beta2.Receiver { return webhookReceiver(uniq("rcv"), failing.URL) },
			func(t *testing.T, err error) {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "404")
				assert.Contains(t, err.Error(), "no such hook")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t)
			rcv := tt.rcv(tt.to)
			err := c.alice.Verify(ctx, c.aliceUser, tt.cfg, rcv)
			assert.Equal(t, before, snapshot(t), "Verify stored something")
			assert.Empty(t, rcv.Labels, "the caller's receiver was labelled")
			if tt.check != nil {
				tt.check(t, err)
				return
			}
			require.NoError(t, err)
			got, err := mail.Messages(ctx, tt.to)
			require.NoError(t, err)
			require.Len(t, got, 1)
			m, err := mail.Message(ctx, got[0].ID)
			require.NoError(t, err)
			assert.Contains(t, m.Text, notification.VerifyAlertName)
			assert.Contains(t, m.Text, notification.VerifyAlert(time.Now()).Annotations["message"])
		})
	}
}

// TestNewClient: missing or contradictory options are typed errors naming
// the option.
func TestNewClient(t *testing.T) {
	az, err := authz.NewFromObjects()
	require.NoError(t, err)
	tests := []struct {
		name  string
		c     client.Client
		opts  notification.ClientOptions
		field string
	}{
		{"no client", nil, notification.ClientOptions{}, "c"},
		{"a user without an authorizer", env.Client, notification.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}}, "Authorizer"},
		{"a Deliverer that cannot read Secrets", env.Client, notification.ClientOptions{Deliverer: &notification.Deliverer{}}, "Deliverer.Secrets.Reader"},
		{"a Deliverer reading another namespace", env.Client, notification.ClientOptions{SecretNamespace: "a",
			Deliverer: &notification.Deliverer{Secrets: notification.Secrets{Reader: env.Client, Namespace: "b"}}}, "Deliverer.Secrets.Namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notification.NewClient(tt.c, tt.opts)
			var ie *notification.InvalidError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
	_, err = notification.NewClient(env.Client, notification.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}, Authorizer: az,
		Deliverer: &notification.Deliverer{Secrets: notification.Secrets{Reader: env.Client, Namespace: "b"}}})
	require.NoError(t, err, "the Deliverer's namespace is the secret namespace when none is given")
}
