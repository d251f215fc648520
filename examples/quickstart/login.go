package main

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy/authn"
)

// issuer serves the tour's token issuer over TLS on a loopback port. On
// the embedded cluster kube-apiserver is configured to trust it, so the
// kubeconfigs it writes work with kubectl.
type issuer struct {
	srv     *httptest.Server
	keys    *authn.KeySet
	handler atomic.Pointer[http.Handler]
}

// startIssuer listens before kube-apiserver starts (it reads the issuer's
// discovery document); until the tour's Authenticator exists it answers
// 503.
func startIssuer() (*issuer, error) {
	k, err := authn.GenerateSigningKey()
	if err != nil {
		return nil, err
	}
	iss := &issuer{}
	if iss.keys, err = authn.NewKeySet(k); err != nil {
		return nil, err
	}
	iss.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := iss.handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	iss.srv.StartTLS()
	return iss, nil
}

// authenticationConfig is kube-apiserver's --authentication-config trusting
// the issuer.
func (iss *issuer) authenticationConfig() ([]byte, error) {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: iss.srv.Certificate().Raw})
	return authn.KubernetesAuthenticationConfig(iss.srv.URL, "", ca)
}

func (iss *issuer) close() {
	if iss != nil {
		iss.srv.Close()
	}
}

// loginTour logs bob in with his password, shows who his token stands for,
// uses his kubeconfig on the embedded cluster, and logs him out. Without
// an issuer kube-apiserver trusts (a cluster given by kubeconfig), the
// kubeconfig step is skipped.
func loginTour(ctx context.Context, out io.Writer, c client.Client, reader cache.Cache, iss *issuer, cfg *rest.Config, bob, password, project string) (err error) {
	sessions := "quickstart-sessions-" + project
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sessions}}); err != nil {
		return fmt.Errorf("create sessions namespace: %w", err)
	}
	defer func() {
		err = errors.Join(err, client.IgnoreNotFound(c.Delete(context.WithoutCancel(ctx), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sessions}})))
	}()
	opts := authn.Options{Cache: reader, SessionNamespace: sessions}
	if iss != nil {
		opts.Issuer, opts.Keys = iss.srv.URL, authn.StaticKeys(iss.keys)
	} else {
		k, err := authn.GenerateSigningKey()
		if err != nil {
			return err
		}
		ks, err := authn.NewKeySet(k)
		if err != nil {
			return err
		}
		opts.Issuer, opts.Keys = "https://quickstart.invalid", authn.StaticKeys(ks)
	}
	a, err := authn.New(c, opts)
	if err != nil {
		return err
	}
	if iss != nil {
		h := a.Handler()
		iss.handler.Store(&h)
	}

	tokens, err := a.Login(ctx, bob, password, authn.LoginOptions{SourceIP: "127.0.0.1", UserAgent: "quickstart"})
	if err != nil {
		return fmt.Errorf("log %s in: %w", bob, err)
	}
	fmt.Fprintf(out, "Logged %s in with his password: an access token for %s and a refresh token.\n", bob, time.Duration(tokens.ExpiresIn)*time.Second)
	user, err := a.Verify(ctx, tokens.AccessToken)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "The access token authenticates %s, groups %v.\n", user.Name, user.Groups)

	if iss != nil {
		if err := useKubeconfig(ctx, out, a, cfg, bob, project); err != nil {
			return err
		}
	}

	if err := a.Revoke(ctx, tokens.AccessToken); err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := a.Verify(ctx, tokens.AccessToken)
		if errors.Is(err, authn.ErrInvalidToken) {
			fmt.Fprintf(out, "Logged %s out: his token is refused now (%v).\n", bob, err)
			return nil
		}
		select {
		case <-waitCtx.Done():
			return fmt.Errorf("the token of %s still works after logout: %w", bob, waitCtx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// useKubeconfig writes bob's kubeconfig and uses it: kube-apiserver
// authenticates him from the token and native RBAC lets him into his
// project only.
func useKubeconfig(ctx context.Context, out io.Writer, a *authn.Authenticator, cfg *rest.Config, bob, project string) error {
	kubeconfig, err := a.KubeconfigFor(ctx, bob, authn.KubeconfigOptions{Server: cfg.Host, CAData: cfg.CAData, TTL: time.Hour})
	if err != nil {
		return err
	}
	bobCfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(bobCfg)
	if err != nil {
		return err
	}
	// kube-apiserver may still be fetching the issuer's keys.
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var pods *corev1.PodList
	for {
		if pods, err = cs.CoreV1().Pods(project).List(ctx, metav1.ListOptions{}); err == nil {
			break
		}
		select {
		case <-waitCtx.Done():
			return fmt.Errorf("%s's kubeconfig: %w", bob, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, err = cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		return fmt.Errorf("%s listed pods in kube-system (want forbidden): %w", bob, err)
	}
	fmt.Fprintf(out, "With the kubeconfig spherekit wrote for %s, kube-apiserver lets him list pods in %s (%d) and refuses kube-system.\n", bob, project, len(pods.Items))
	return nil
}
