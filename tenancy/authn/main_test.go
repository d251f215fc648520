package authn

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
	giteatest "github.com/spherekit/spherekit/testenv/gitea"
	ldaptest "github.com/spherekit/spherekit/testenv/ldap"
)

// The package's tests share one control plane whose kube-apiserver trusts
// the issuer below (structured authentication configuration), one manager
// running the tenancy controllers (login blocking, group membership, native
// RBAC), and one Authenticator served over TLS at the issuer URL.
var (
	env    *testenv.Environment
	tc     *tenancy.Client
	auth   *Authenticator
	keys   *KeySet
	issuer *httptest.Server
)

// Short login limits so tests see a user blocked and unblocked. The window
// must hold testFailureLimit failed logins even under -race on a loaded
// machine (4 s did not: the user was never blocked).
const (
	testFailureLimit  = 3
	testFailureWindow = 12 * time.Second
	testBcryptCost    = 4
)

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	k, err := GenerateSigningKey()
	if err != nil {
		panic(err)
	}
	// A real OpenLDAP server for the identity-provider and group-sync
	// tests, started before the cluster, as the providers are part of the
	// shared Authenticator.
	if directory, err = ldaptest.Start(context.Background(), ldaptest.Options{TLS: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// A real Gitea as the OpenID Connect provider.
	if oidcServer, err = giteatest.Start(context.Background(), giteatest.Options{Progress: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if keys, err = NewKeySet(k); err != nil {
		panic(err)
	}
	// The issuer listens before kube-apiserver starts, which fetches its
	// discovery document; until the Authenticator exists it answers 503.
	var handler atomic.Pointer[http.Handler]
	issuer = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	issuer.StartTLS()
	if oidcClientID, oidcClientSecret, err = oidcServer.CreateOAuth2App(context.Background(), "spherekit", []string{issuer.URL + "/oauth/callback/gitea"}, true); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuer.Certificate().Raw})
	authConfig, err := KubernetesAuthenticationConfig(issuer.URL, "", caPEM)
	if err != nil {
		panic(err)
	}
	code := testenv.RunWithManager(context.Background(), testenv.RunInput{
		M:       m,
		Options: testenv.Options{AuthenticationConfig: authConfig},
		SetupIndexes: func(ctx context.Context, mgr ctrl.Manager) error {
			return IndexFields(ctx, mgr.GetFieldIndexer())
		},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{
				LoginFailureLimit:  testFailureLimit,
				LoginFailureWindow: testFailureWindow,
				BcryptCost:         testBcryptCost,
			})
		},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) (err error) {
			env = e
			if tc, err = tenancy.NewClient(e.Client, tenancy.ClientOptions{}); err != nil {
				return err
			}
			if _, err = tc.EnsureDefaults(ctx, tenancy.EnsureDefaultsOptions{}); err != nil {
				return err
			}
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: DefaultSessionNamespace}}
			if err := e.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
			auth, err = New(e.Client, Options{
				Issuer:     issuer.URL,
				Keys:       StaticKeys(keys),
				Cache:      e.Manager.GetCache(),
				BcryptCost: testBcryptCost,
				Providers:  testProviders(),
			})
			if err != nil {
				return err
			}
			h := auth.Handler()
			handler.Store(&h)
			return nil
		},
	})
	issuer.Close()
	_ = directory.Stop()
	_ = oidcServer.Stop()
	os.Exit(code)
}

// directory is the LDAP server of the package's tests.
var directory *ldaptest.Server

// The identity providers of the shared Authenticator: the same directory
// with each mapping method, over StartTLS.
func testProviders() []IdentityProvider {
	provider := func(name string, m MappingMethod) *LDAPProvider {
		return &LDAPProvider{
			ProviderName: name, Mapping: m,
			URL: directory.URL(), StartTLS: true, RootCAs: directory.RootCAs(),
			ManagerDN: directory.BindDN(), ManagerPassword: directory.BindPassword(),
			UserSearchBase: directory.BaseDN(), UserSearchFilter: "(objectClass=inetOrgPerson)",
			GroupSearchBase: directory.BaseDN(),
		}
	}
	return []IdentityProvider{
		provider("corp", MappingAuto), provider("corp-lookup", MappingLookup), provider("corp-manual", MappingManual),
		&OIDCProvider{
			ProviderName: "gitea", Issuer: oidcServer.URL(), ClientID: oidcClientID, ClientSecret: oidcClientSecret,
			RedirectURL: issuer.URL + "/oauth/callback/gitea", Scopes: []string{"profile", "email", "groups"},
		},
	}
}

// The OIDC provider of the package's tests and this package's client at it.
var (
	oidcServer                     *giteatest.Server
	oidcClientID, oidcClientSecret string
)

var userSeq atomic.Int64

// newUser creates an active user with password and returns its name.
func newUser(t *testing.T, password string) string {
	t.Helper()
	ctx := t.Context()
	name := fmt.Sprintf("u%d-%d", time.Now().UnixNano()%1e6, userSeq.Add(1))
	_, err := tc.CreateUser(ctx, name, name+"@Example.test", tenancy.CreateUserOptions{Password: password})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	waitState(t, name, iamv1beta1.UserActive)
	return name
}

// waitState waits until the manager's cache sees user in state.
func waitState(t *testing.T, user string, state iamv1beta1.UserState) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		u := &iamv1beta1.User{}
		if err := env.Manager.GetCache().Get(t.Context(), client.ObjectKey{Name: user}, u); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return u.Status.State == state, nil
	}, "user %s in state %s", user, state)
}

func mustUser(t *testing.T, name string) *iamv1beta1.User {
	t.Helper()
	u := &iamv1beta1.User{}
	if err := env.Client.Get(t.Context(), client.ObjectKey{Name: name}, u); err != nil {
		t.Fatalf("get user: %v", err)
	}
	return u
}

// tokenOfKubeconfig returns the bearer token of a kubeconfig.
func tokenOfKubeconfig(t *testing.T, kubeconfig []byte) string {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	return cfg.BearerToken
}

func sleepTick() { time.Sleep(100 * time.Millisecond) }
