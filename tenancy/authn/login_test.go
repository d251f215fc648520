package authn

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

const password = "Passw0rd-ok"

func loginRecords(t *testing.T, user string) []iamv1beta1.LoginRecord {
	t.Helper()
	var list iamv1beta1.LoginRecordList
	require.NoError(t, env.Client.List(t.Context(), &list, client.MatchingLabels{iamv1beta1.UserReferenceLabel: user}))
	return list.Items
}

func TestAuthenticate(t *testing.T) {
	alice := newUser(t, password)
	disabled := newUser(t, password)
	require.NoError(t, tc.DisableUser(t.Context(), disabled))
	waitState(t, disabled, iamv1beta1.UserDisabled)

	cases := []struct {
		name, login, password string
		want                  error
		recordFor             string // whose login record the attempt leaves
		success               bool
	}{
		{name: "by name", login: alice, password: password, recordFor: alice, success: true},
		{name: "by e-mail, any case", login: alice + "@EXAMPLE.test", password: password, recordFor: alice, success: true},
		{name: "wrong password", login: alice, password: "Wrong-passw0rd", want: ErrInvalidCredentials, recordFor: alice},
		{name: "unknown user", login: "nobody-here", password: password, want: ErrInvalidCredentials},
		{name: "unknown e-mail", login: "nobody@example.test", password: password, want: ErrInvalidCredentials},
		{name: "empty password", login: alice, password: "", want: ErrInvalidCredentials},
		{name: "disabled, right password", login: disabled, password: password, want: ErrAccountDisabled, recordFor: disabled},
		{name: "disabled, wrong password", login: disabled, password: "Wrong-passw0rd", want: ErrInvalidCredentials, recordFor: disabled},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := 0
			if tt.recordFor != "" {
				before = len(loginRecords(t, tt.recordFor))
			}
			u, err := auth.Authenticate(t.Context(), tt.login, tt.password, LoginOptions{SourceIP: "192.0.2.7", UserAgent: "test"})
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.Empty(t, u.Name)
			} else {
				require.NoError(t, err)
				assert.Equal(t, alice, u.Name)
				assert.Contains(t, u.Groups, AuthenticatedGroup)
			}
			if tt.recordFor == "" {
				return
			}
			recs := loginRecords(t, tt.recordFor)
			require.Len(t, recs, before+1, "one login record per attempt")
			var newest iamv1beta1.LoginRecord
			for _, r := range recs {
				if newest.CreationTimestamp.Before(&r.CreationTimestamp) || newest.Name == "" {
					newest = r
				}
			}
			assert.Equal(t, "192.0.2.7", newest.Spec.SourceIP)
			assert.Equal(t, iamv1beta1.LoginPassword, newest.Spec.Type)
		})
	}
	// An unknown user's attempt is sent as a dry run: nothing is stored.
	assert.Empty(t, loginRecords(t, unknownUserRecordName))
}

func TestLoginBlockedAfterFailuresThenUnblocked(t *testing.T) {
	bob := newUser(t, password)
	for range testFailureLimit {
		_, err := auth.Authenticate(t.Context(), bob, "Wrong-passw0rd", LoginOptions{})
		require.ErrorIs(t, err, ErrInvalidCredentials)
	}
	waitState(t, bob, iamv1beta1.UserAuthLimitExceeded)
	_, err := auth.Authenticate(t.Context(), bob, password, LoginOptions{})
	require.ErrorIs(t, err, ErrTooManyFailedLogins, "the right password does not help while blocked")
	n := len(loginRecords(t, bob))

	// The user controller lifts the block once the window has passed.
	testenv.Eventually(t, func() (bool, error) {
		_, err := auth.Authenticate(t.Context(), bob, password, LoginOptions{})
		return err == nil, nil
	}, "login after the block window of %s", testFailureWindow)
	assert.Greater(t, len(loginRecords(t, bob)), n, "the successful login is recorded")
}

func TestLoginIssuesVerifiableTokens(t *testing.T) {
	carol := newUser(t, password)
	tok, err := auth.Login(t.Context(), carol, password, LoginOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, int((2 * time.Hour).Seconds()), tok.ExpiresIn)

	u, err := auth.Verify(t.Context(), tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, carol, u.Name)

	_, err = auth.Verify(t.Context(), tok.RefreshToken)
	require.ErrorIs(t, err, ErrInvalidToken, "a refresh token does not authenticate requests")
}
