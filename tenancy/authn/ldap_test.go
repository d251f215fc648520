package authn

import (
	"errors"
	"net/url"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	ldaptest "github.com/spherekit/spherekit/testenv/ldap"
)

const ldapPassword = "Ldap-passw0rd"

// ldapUser adds a person to the directory and returns its uid and DN.
func ldapUser(t *testing.T, uid string) string {
	t.Helper()
	dn, err := directory.AddUser(t.Context(), ldaptest.User{UID: uid, CN: "Person " + uid, SN: uid, Mail: uid + "@corp.test", Password: ldapPassword})
	require.NoError(t, err)
	return dn
}

func TestLDAPLoginMapsIdentities(t *testing.T) {
	ctx := t.Context()
	uid := "ann-" + newID()[:6]
	ldapUser(t, uid)

	// auto: the first login creates the user, later ones find it.
	u, err := auth.Authenticate(ctx, uid, ldapPassword, LoginOptions{Provider: "corp", SourceIP: "192.0.2.9"})
	require.NoError(t, err)
	assert.Equal(t, uid, u.Name)
	user := mustUser(t, uid)
	assert.Equal(t, uid, user.Annotations[IdentityProviderAnnotationPrefix+"corp"], "KubeSphere 4.x mapping annotation")
	assert.Equal(t, "corp", user.Labels[IdentityProviderLabel], "KubeSphere 3.x mapping labels")
	assert.Equal(t, uid, user.Labels[OriginUIDLabel])
	assert.Equal(t, uid+"@corp.test", user.Spec.Email)
	assert.Empty(t, user.Spec.Password, "no local password for a directory user")
	waitState(t, uid, iamv1beta1.UserActive)
	again, err := auth.Authenticate(ctx, uid, ldapPassword, LoginOptions{Provider: "corp"})
	require.NoError(t, err)
	assert.Equal(t, uid, again.Name)
	recs := loginRecords(t, uid)
	require.Len(t, recs, 2)
	assert.Equal(t, "corp", recs[0].Spec.Provider)

	// Refusals: every one is ErrInvalidCredentials, injections included.
	for _, tt := range []struct{ login, password string }{
		{uid, "wrong"},
		{uid, ""},
		{"*", ldapPassword},
		{uid + ")(uid=*", ldapPassword},
		{"*)(|(objectClass=*", ldapPassword},
		{"nobody", ldapPassword},
	} {
		_, err := auth.Authenticate(ctx, tt.login, tt.password, LoginOptions{Provider: "corp"})
		require.ErrorIs(t, err, ErrInvalidCredentials, "login %q", tt.login)
	}

	// The token endpoint takes the provider as KubeSphere's console sends it.
	status, body := postToken(t, url.Values{"grant_type": {"password"}, "client_id": {"kubesphere"}, "client_secret": {"kubesphere"},
		"username": {uid}, "password": {ldapPassword}, "provider": {"corp"}})
	require.Equal(t, 200, status, "%v", body)
	got, err := auth.Verify(ctx, body["access_token"].(string))
	require.NoError(t, err)
	assert.Equal(t, uid, got.Name)
}

func TestLDAPMappingMethods(t *testing.T) {
	ctx := t.Context()
	uid := "bo-" + newID()[:6]
	ldapUser(t, uid)

	_, err := auth.Authenticate(ctx, uid, ldapPassword, LoginOptions{Provider: "corp-lookup"})
	require.ErrorIs(t, err, ErrNotMapped)

	_, err = auth.Authenticate(ctx, uid, ldapPassword, LoginOptions{Provider: "corp-manual"})
	var reg *RegistrationRequiredError
	require.ErrorAs(t, err, &reg)
	pre := reg.PreRegistrationUser()
	assert.Equal(t, PreRegistrationUser, pre.Name)
	assert.Equal(t, []string{"corp-manual"}, pre.Extra[ExtraIdentityProvider])
	assert.Equal(t, []string{uid + "@corp.test"}, pre.Extra[ExtraEmail])

	_, err = auth.Register(ctx, reg, "Not A Name")
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	chosen := "chosen-" + uid
	_, err = auth.Register(ctx, reg, chosen)
	require.NoError(t, err)
	_, err = auth.Register(ctx, reg, chosen+"-2")
	require.ErrorAs(t, err, &invalid, "an identity registers once")
	waitState(t, chosen, iamv1beta1.UserActive)
	u, err := auth.Authenticate(ctx, uid, ldapPassword, LoginOptions{Provider: "corp-manual"})
	require.NoError(t, err)
	assert.Equal(t, chosen, u.Name)
}

// An identity whose username is an existing local user's name does not log
// in as that user.
func TestLDAPAutoMappingDoesNotTakeOverLocalUsers(t *testing.T) {
	ctx := t.Context()
	local := newUser(t, password)
	ldapUser(t, local)
	_, err := auth.Authenticate(ctx, local, ldapPassword, LoginOptions{Provider: "corp"})
	var conflict *ConflictError
	require.ErrorAs(t, err, &conflict)
	user := mustUser(t, local)
	assert.Empty(t, user.Annotations[IdentityProviderAnnotationPrefix+"corp"], "the local user is not annotated")
}

func TestLDAPTransportSecurity(t *testing.T) {
	ctx := t.Context()
	uid := "tls-" + newID()[:6]
	ldapUser(t, uid)
	base := LDAPProvider{ProviderName: "x", ManagerDN: directory.BindDN(), ManagerPassword: directory.BindPassword(), UserSearchBase: directory.BaseDN()}
	cases := []struct {
		name  string
		tweak func(p *LDAPProvider)
		ok    bool
	}{
		{"ldaps with the CA", func(p *LDAPProvider) { p.URL, p.RootCAs = directory.TLSURL(), directory.RootCAs() }, true},
		{"ldaps without the CA", func(p *LDAPProvider) { p.URL = directory.TLSURL() }, false},
		{"StartTLS without the CA", func(p *LDAPProvider) { p.URL, p.StartTLS = directory.URL(), true }, false},
		{"plain", func(p *LDAPProvider) { p.URL = directory.URL() }, true},
		{"not an LDAP URL", func(p *LDAPProvider) { p.URL = "http://127.0.0.1" }, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.tweak(&p)
			id, err := p.AuthenticatePassword(ctx, uid, ldapPassword)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, uid, id.UID)
				return
			}
			require.Error(t, err)
			assert.False(t, errors.Is(err, ErrInvalidCredentials), "a transport failure is not a wrong password: %v", err)
		})
	}
}

func TestSyncGroups(t *testing.T) {
	ctx := t.Context()
	suffix := newID()[:6]
	ann, bob, carl := "sa-"+suffix, "sb-"+suffix, "sc-"+suffix
	annDN, bobDN, carlDN := ldapUser(t, ann), ldapUser(t, bob), ldapUser(t, carl)
	// The groups live in an OU of this test, which the provider searches.
	ou := "groups-" + suffix
	ouDN, err := directory.AddOrganizationalUnit(ctx, ou)
	require.NoError(t, err)
	p := testProviders()[0].(*LDAPProvider)
	p.GroupSearchBase = ouDN
	auth, err := New(env.Client, Options{Issuer: issuer.URL, Keys: StaticKeys(keys), Cache: env.Manager.GetCache(), BcryptCost: testBcryptCost, Providers: []IdentityProvider{p}})
	require.NoError(t, err)
	devs, ops := "Devs "+suffix, "ops-"+suffix
	devsDN, err := directory.AddGroup(ctx, ldaptest.Group{CN: devs, OU: ou, Members: []string{annDN, bobDN, carlDN}})
	require.NoError(t, err)
	opsDN, err := directory.AddGroup(ctx, ldaptest.Group{CN: ops, OU: ou, Members: []string{bobDN}})
	require.NoError(t, err)
	// ann and bob have logged in (mapped); carl has not.
	for _, u := range []string{ann, bob} {
		_, err := auth.Authenticate(ctx, u, ldapPassword, LoginOptions{Provider: "corp"})
		require.NoError(t, err)
	}
	ws := "sync-" + suffix
	_, err = tc.CreateWorkspace(ctx, ws, tenancy.CreateWorkspaceOptions{})
	require.NoError(t, err)
	_, err = tc.WaitForWorkspace(ctx, ws)
	require.NoError(t, err)
	// A group of the workspace that is not the directory's: never touched.
	_, err = tc.CreateGroup(ctx, ws, ws+"-local", tenancy.CreateGroupOptions{})
	require.NoError(t, err)

	devsGroup, opsGroup := SyncedGroupName(ws, devs), SyncedGroupName(ws, ops)
	want := &GroupSyncPlan{
		CreateGroups:  sortedStrings(devsGroup, opsGroup),
		AddMembers:    map[string][]string{devsGroup: sortedStrings(ann, bob), opsGroup: {bob}},
		RemoveMembers: map[string][]string{},
		Unmapped:      map[string][]string{devsGroup: {carl}},
	}
	plan, err := auth.SyncGroups(ctx, "corp", ws, SyncGroupsOptions{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, want, plan)
	var groups iamv1beta1.GroupList
	require.NoError(t, env.Client.List(ctx, &groups, client.MatchingLabels{SyncedFromLabel: "corp"}))
	for _, g := range groups.Items {
		assert.NotContains(t, []string{devsGroup, opsGroup}, g.Name, "a dry run writes nothing")
	}

	plan, err = auth.SyncGroups(ctx, "corp", ws, SyncGroupsOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, plan)
	g := &iamv1beta1.Group{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: devsGroup}, g))
	assert.Equal(t, devs, g.Annotations[DirectoryGroupAnnotation])
	members, err := tc.ListGroupMembers(ctx, devsGroup)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{ann, bob}, members)

	// The user controller puts the groups in spec.groups; Verify carries them.
	tok, err := auth.IssueTokens(ctx, bob)
	require.NoError(t, err)
	eventuallyGroups(t, auth, tok.AccessToken, devsGroup, opsGroup)

	// Synced again, nothing to do.
	plan, err = auth.SyncGroups(ctx, "corp", ws, SyncGroupsOptions{})
	require.NoError(t, err)
	assert.True(t, plan.Empty(), "%+v", plan)

	// bob leaves Devs, ops is deleted from the directory.
	conn, err := goldap.DialURL(directory.URL())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	require.NoError(t, conn.Bind(directory.BindDN(), directory.BindPassword()))
	mod := goldap.NewModifyRequest(devsDN, nil)
	mod.Delete("member", []string{bobDN})
	require.NoError(t, conn.Modify(mod))
	require.NoError(t, conn.Del(goldap.NewDelRequest(opsDN, nil)))

	plan, err = auth.SyncGroups(ctx, "corp", ws, SyncGroupsOptions{})
	require.NoError(t, err)
	assert.Equal(t, &GroupSyncPlan{
		DeleteGroups:  []string{opsGroup},
		AddMembers:    map[string][]string{},
		RemoveMembers: map[string][]string{devsGroup: {bob}},
		Unmapped:      map[string][]string{devsGroup: {carl}},
	}, plan)
	members, err = tc.ListGroupMembers(ctx, devsGroup)
	require.NoError(t, err)
	assert.Equal(t, []string{ann}, members)
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws + "-local"}, &iamv1beta1.Group{}), "the local group stays")
	eventuallyGroups(t, auth, tok.AccessToken)

	// Bad input.
	_, err = auth.SyncGroups(ctx, "nope", ws, SyncGroupsOptions{})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	_, err = auth.SyncGroups(ctx, "corp", "no-such-ws-"+suffix, SyncGroupsOptions{})
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

func sortedStrings(s ...string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// eventuallyGroups waits until token's user has exactly the groups given
// besides system:authenticated.
func eventuallyGroups(t *testing.T, auth *Authenticator, token string, groups ...string) {
	t.Helper()
	want := sortedStrings(append(groups, AuthenticatedGroup)...)
	var last []string
	for range 300 {
		u, err := auth.Verify(t.Context(), token)
		require.NoError(t, err)
		last = sortedStrings(u.Groups...)
		if assert.ObjectsAreEqual(want, last) {
			return
		}
		sleepTick()
	}
	t.Fatalf("groups %v, want %v", last, want)
}
