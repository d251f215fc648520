package authn

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/spherekit/spherekit/tenancy"
	"github.com/spherekit/spherekit/testenv"
)

// clientsetOf returns a clientset that authenticates with kubeconfig only.
func clientsetOf(t *testing.T, kubeconfig []byte) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	require.NoError(t, err)
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

// bearerClientset returns a clientset that authenticates with token only.
func bearerClientset(t *testing.T, token string) *kubernetes.Clientset {
	t.Helper()
	cfg := &rest.Config{Host: env.Config.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: env.Config.CAData}}
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

// TestKubeconfigIsAcceptedByKubeAPIServer is the per-user kubeconfig end to
// end: kube-apiserver authenticates the token itself (structured
// authentication trusting the issuer) and native RBAC, kept by the tenancy
// controllers, authorizes: allowed in her project, refused elsewhere, and
// allowed where a group she is in is bound, through the groups claim.
func TestKubeconfigIsAcceptedByKubeAPIServer(t *testing.T) {
	ctx := t.Context()
	lisa := newUser(t, password)
	admin := newUser(t, password)
	ws := "kc-" + lisa
	_, err := tc.CreateWorkspace(ctx, ws, tenancy.CreateWorkspaceOptions{Manager: admin})
	require.NoError(t, err)
	_, err = tc.WaitForWorkspace(ctx, ws)
	require.NoError(t, err)
	mine, other := ws+"-mine", ws+"-other"
	for _, p := range []string{mine, other} {
		_, err = tc.CreateProject(ctx, ws, p, tenancy.CreateProjectOptions{Creator: admin})
		require.NoError(t, err)
		_, err = tc.WaitForProject(ctx, p)
		require.NoError(t, err)
	}
	require.NoError(t, tc.AddMember(ctx, tenancy.Project(mine), lisa, "viewer"))

	kc, err := auth.KubeconfigFor(ctx, lisa, KubeconfigOptions{Server: env.Config.Host, CAData: env.Config.CAData, TTL: time.Hour})
	require.NoError(t, err)
	cs := clientsetOf(t, kc)

	// The API server fetches the issuer's discovery document when it
	// starts; the first tries may come before the issuer answered.
	testenv.Eventually(t, func() (bool, error) {
		_, err := cs.CoreV1().Pods(mine).List(ctx, metav1.ListOptions{})
		return err == nil, nil
	}, "lisa lists pods in her project with her kubeconfig")
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, lisa, review.Status.UserInfo.Username)
	assert.Contains(t, review.Status.UserInfo.Groups, "system:authenticated")

	_, err = cs.CoreV1().Pods(other).List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "another project: %v", err)
	_, err = cs.CoreV1().ConfigMaps(mine).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
	require.True(t, apierrors.IsForbidden(err), "a viewer writes nothing: %v", err)

	// A KubeSphere group bound in the other project: her groups claim
	// carries it once the user controller has put it in spec.groups.
	group := "devs-" + lisa
	_, err = tc.CreateGroup(ctx, ws, group, tenancy.CreateGroupOptions{})
	require.NoError(t, err)
	require.NoError(t, tc.AddGroupMembers(ctx, group, lisa))
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
	}
	require.NoError(t, env.Client.Create(ctx, role))
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: group + "-pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: group}},
	}
	require.NoError(t, env.Client.Create(ctx, rb))
	testenv.Eventually(t, func() (bool, error) {
		return containsString(mustUser(t, lisa).Spec.Groups, group), nil
	}, "lisa's spec.groups has %s", group)
	// A fresh kubeconfig each try: KubeconfigFor reads her groups from its
	// cache, which may trail the read above, and a token keeps the groups
	// it was issued with.
	testenv.Eventually(t, func() (bool, error) {
		kc2, err := auth.KubeconfigFor(ctx, lisa, KubeconfigOptions{Server: env.Config.Host, CAData: env.Config.CAData})
		if err != nil {
			return false, err
		}
		_, err = clientsetOf(t, kc2).CoreV1().Pods(other).List(ctx, metav1.ListOptions{})
		return err == nil, nil
	}, "lisa lists pods in %s through her group", other)
}

// TestKubeAPIServerRefusesOtherTokens checks the rules of
// KubernetesAuthenticationConfig on the real API server: a login token
// (another audience), a refresh token, and a token naming a system: user
// or group are not accepted.
func TestKubeAPIServerRefusesOtherTokens(t *testing.T) {
	ctx := t.Context()
	mia := newUser(t, password)
	login, err := auth.Login(ctx, mia, password, LoginOptions{})
	require.NoError(t, err)
	kc, err := auth.KubeconfigFor(ctx, mia, KubeconfigOptions{Server: env.Config.Host, CAData: env.Config.CAData})
	require.NoError(t, err)
	testenv.Eventually(t, func() (bool, error) {
		_, err := clientsetOf(t, kc).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err == nil, nil
	}, "the kubeconfig token authenticates")

	sid := claimsOf(t, tokenOfKubeconfig(t, kc))["sid"].(string)
	signed := func(change func(c *Claims)) string {
		c := auth.claims(mustUser(t, mia), sid, AccessToken, auth.o.KubernetesAudience, time.Now(), time.Now().Add(time.Hour))
		change(c)
		s, err := keys.sign(c)
		require.NoError(t, err)
		return s
	}
	cases := map[string]string{
		"login token (audience kubesphere)": login.AccessToken,
		"refresh token":                     signed(func(c *Claims) { c.TokenType = RefreshToken }),
		"system: user":                      signed(func(c *Claims) { c.Subject, c.Username = "system:admin", "system:admin" }),
		"system: group":                     signed(func(c *Claims) { c.Groups = []string{"system:masters"} }),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := bearerClientset(t, tok).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			require.True(t, apierrors.IsUnauthorized(err), fmt.Sprint(err))
		})
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
