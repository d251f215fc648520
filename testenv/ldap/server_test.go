package ldap

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/internal/servercert"
)

var seq atomic.Int64

// uniq returns a suffix no other call in this process returns, so that
// entries on the shared server differ between tests and between runs of
// one test (go test -count).
func uniq() string { return "-" + strconv.FormatInt(seq.Add(1), 10) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url string) *goldap.Conn {
	t.Helper()
	c, err := goldap.DialURL(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// search returns the DNs of the entries under base matching filter, sorted
// as the server returns them, searching as the root DN.
func search(t *testing.T, s *Server, base, filter string, attrs ...string) []*goldap.Entry {
	t.Helper()
	c := dial(t, s.URL())
	require.NoError(t, c.Bind(s.BindDN(), s.BindPassword()))
	res, err := c.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
	require.NoError(t, err)
	return res.Entries
}

func dns(entries []*goldap.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.DN
	}
	return out
}

func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestStart(t *testing.T) {
	assert.Regexp(t, `^ldap://127\.0\.0\.1:\d+$`, shared.URL())
	assert.Regexp(t, `^ldaps://127\.0\.0\.1:\d+$`, shared.TLSURL())
	assert.Equal(t, DefaultBaseDN, shared.BaseDN())
	assert.Equal(t, "cn=admin,"+DefaultBaseDN, shared.BindDN())
	assert.Len(t, shared.BindPassword(), 24, "a random root password")

	c := dial(t, shared.URL())
	res, err := c.Search(goldap.NewSearchRequest("", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"namingContexts"}, nil))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1)
	assert.Equal(t, []string{DefaultBaseDN}, res.Entries[0].GetAttributeValues("namingContexts"))

	base := search(t, shared, shared.BaseDN(), "(objectClass=dcObject)", "dc", "o")
	require.Len(t, base, 1, "Start creates the base entry")
	assert.Equal(t, "spherekit", base[0].GetAttributeValue("dc"))
}

func TestStartOptions(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		wantField string // an *OptionsError for this field
		wantLog   string // a *ProcessError whose log tail has this
	}{
		{name: "not a DN", opts: Options{BaseDN: "spherekit"}, wantField: "BaseDN"},
		{name: "base DN of another kind", opts: Options{BaseDN: "cn=spherekit"}, wantField: "BaseDN"},
		{name: "multi-valued RDN", opts: Options{BaseDN: "dc=a+o=b"}, wantField: "BaseDN"},
		{name: "root DN with a newline", opts: Options{RootDN: "cn=a\nb,dc=spherekit,dc=test"}, wantField: "RootDN"},
		{name: "root DN outside the base DN", opts: Options{RootDN: "cn=admin"}, wantField: "RootDN"},
		{name: "root DN is the base DN", opts: Options{RootDN: DefaultBaseDN}, wantField: "RootDN"},
		{name: "unknown log level: slapd refuses it", opts: Options{LogLevel: "bogus"}, wantLog: `unrecognized log level "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(testCtx(t), tt.opts)
			if s != nil {
				_ = s.Stop()
			}
			require.Error(t, err)
			if tt.wantField != "" {
				var oe *OptionsError
				require.ErrorAs(t, err, &oe)
				assert.Equal(t, tt.wantField, oe.Field)
				return
			}
			var pe *ProcessError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "slapd", pe.Program)
			assert.Contains(t, pe.LogTail, tt.wantLog)
			assert.Contains(t, err.Error(), "exited while starting")
		})
	}
}

func TestBind(t *testing.T) {
	ctx, sfx := testCtx(t), uniq()
	alice, err := shared.AddUser(ctx, User{UID: "bind-alice" + sfx, Password: "s3cret, with spaces & ünïcode"})
	require.NoError(t, err)
	nopw, err := shared.AddUser(ctx, User{UID: "bind-nopassword" + sfx})
	require.NoError(t, err)

	tests := []struct {
		name     string
		dn, pass string
		wantCode uint16 // 0: the bind succeeds
	}{
		{name: "right password", dn: alice, pass: "s3cret, with spaces & ünïcode"},
		{name: "wrong password", dn: alice, pass: "s3cret", wantCode: goldap.LDAPResultInvalidCredentials},
		{name: "user without a password", dn: nopw, pass: "anything", wantCode: goldap.LDAPResultInvalidCredentials},
		{name: "unknown user", dn: "uid=nobody," + shared.BaseDN(), pass: "anything", wantCode: goldap.LDAPResultInvalidCredentials},
		{name: "root DN", dn: shared.BindDN(), pass: shared.BindPassword()},
		{name: "root DN, wrong password", dn: shared.BindDN(), pass: "nope", wantCode: goldap.LDAPResultInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dial(t, shared.URL()).Bind(tt.dn, tt.pass)
			if tt.wantCode == 0 {
				assert.NoError(t, err)
				return
			}
			assert.True(t, goldap.IsErrorWithCode(err, tt.wantCode), "want result code %d, got %v", tt.wantCode, err)
		})
	}
}

func TestSearchUsersAndGroups(t *testing.T) {
	ctx, sfx := testCtx(t), uniq()
	people, err := shared.AddOrganizationalUnit(ctx, "search-people"+sfx)
	require.NoError(t, err)
	assert.Equal(t, "ou=search-people"+sfx+","+DefaultBaseDN, people)
	groups, err := shared.AddOrganizationalUnit(ctx, "search-groups"+sfx)
	require.NoError(t, err)

	var users []string
	for _, u := range []User{
		{UID: "carol" + sfx, OU: "search-people" + sfx, CN: "Carol Jones", SN: "Jones", Mail: "carol" + sfx + "@example.com", Password: "c",
			Attributes: map[string][]string{"givenName": {"Carol"}}},
		{UID: "dave" + sfx, OU: "search-people" + sfx, Mail: "dave" + sfx + "@example.com", Password: "d",
			Attributes: map[string][]string{"objectClass": {"posixAccount"}, "uidNumber": {"1001"}, "gidNumber": {"2000"}, "homeDirectory": {"/home/dave" + sfx}}},
	} {
		dn, err := shared.AddUser(ctx, u)
		require.NoError(t, err)
		users = append(users, dn)
	}
	assert.Equal(t, "uid=carol"+sfx+",ou=search-people"+sfx+","+DefaultBaseDN, users[0])
	admins, err := shared.AddGroup(ctx, Group{CN: "admins", OU: "search-groups" + sfx, Members: users[:1]})
	require.NoError(t, err)
	devs, err := shared.AddGroup(ctx, Group{CN: "devs", OU: "search-groups" + sfx, Members: users, Attributes: map[string][]string{"description": {"developers"}}})
	require.NoError(t, err)
	staff, err := shared.AddPosixGroup(ctx, PosixGroup{CN: "staff", OU: "search-groups" + sfx, GIDNumber: 2000, MemberUIDs: []string{"carol" + sfx, "dave" + sfx}})
	require.NoError(t, err)
	_, err = shared.AddPosixGroup(ctx, PosixGroup{CN: "empty", OU: "search-groups" + sfx, GIDNumber: 2001})
	require.NoError(t, err, "a posixGroup may have no members")

	tests := []struct {
		name, base, filter string
		want               []string
	}{
		{name: "users", base: people, filter: "(objectClass=inetOrgPerson)", want: users},
		{name: "user by mail", base: DefaultBaseDN, filter: "(mail=dave" + sfx + "@example.com)", want: users[1:]},
		{name: "user by cn", base: people, filter: "(cn=Carol Jones)", want: users[:1]},
		{name: "posix accounts", base: people, filter: "(&(objectClass=posixAccount)(uidNumber=1001))", want: users[1:]},
		{name: "groups of a member", base: DefaultBaseDN, filter: "(&(objectClass=groupOfNames)(member=" + goldap.EscapeFilter(users[0]) + "))", want: []string{admins, devs}},
		{name: "groups of the other member", base: DefaultBaseDN, filter: "(member=" + goldap.EscapeFilter(users[1]) + ")", want: []string{devs}},
		{name: "posix groups of a uid", base: DefaultBaseDN, filter: "(&(objectClass=posixGroup)(memberUid=dave" + sfx + "))", want: []string{staff}},
		{name: "group by description", base: groups, filter: "(description=developers)", want: []string{devs}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ElementsMatch(t, tt.want, dns(search(t, shared, tt.base, tt.filter)))
		})
	}

	t.Run("attributes", func(t *testing.T) {
		got := search(t, shared, users[0], "(objectClass=*)", "uid", "cn", "sn", "mail", "givenName", "userPassword", "objectClass")
		require.Len(t, got, 1)
		e := got[0]
		assert.Equal(t, "carol"+sfx, e.GetAttributeValue("uid"))
		assert.Equal(t, "Carol Jones", e.GetAttributeValue("cn"))
		assert.Equal(t, "Jones", e.GetAttributeValue("sn"))
		assert.Equal(t, "carol"+sfx+"@example.com", e.GetAttributeValue("mail"))
		assert.Equal(t, "Carol", e.GetAttributeValue("givenName"))
		assert.True(t, strings.HasPrefix(e.GetAttributeValue("userPassword"), "{SSHA}"), "stored hashed: %s", e.GetAttributeValue("userPassword"))
		assert.Equal(t, []string{"inetOrgPerson"}, e.GetAttributeValues("objectClass"))

		dave := search(t, shared, users[1], "(objectClass=*)", "cn", "sn")
		assert.Equal(t, "dave"+sfx, dave[0].GetAttributeValue("cn"), "cn defaults to the uid")
		assert.Equal(t, "dave"+sfx, dave[0].GetAttributeValue("sn"), "sn defaults to the uid")
	})

	t.Run("anonymous and users read everything but passwords", func(t *testing.T) {
		for _, who := range []struct{ dn, pass string }{{}, {users[1], "d"}} {
			c := dial(t, shared.URL())
			if who.dn != "" {
				require.NoError(t, c.Bind(who.dn, who.pass))
			}
			res, err := c.Search(goldap.NewSearchRequest(users[0], goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"uid", "userPassword"}, nil))
			require.NoError(t, err)
			require.Len(t, res.Entries, 1)
			assert.Equal(t, "carol"+sfx, res.Entries[0].GetAttributeValue("uid"))
			assert.Empty(t, res.Entries[0].GetAttributeValues("userPassword"))
		}
	})
}

func TestAddErrors(t *testing.T) {
	ctx, sfx := testCtx(t), uniq()
	_, err := shared.AddUser(ctx, User{UID: "adderr-erin" + sfx, Password: "e"})
	require.NoError(t, err)

	tests := []struct {
		name      string
		add       func(ctx context.Context) error
		wantField string // an *OptionsError for this field
		wantCode  uint16 // else the server's result code
	}{
		{name: "user without uid", add: func(ctx context.Context) error { _, err := shared.AddUser(ctx, User{CN: "x"}); return err }, wantField: "UID"},
		{name: "group without cn", add: func(ctx context.Context) error {
			_, err := shared.AddGroup(ctx, Group{Members: []string{"uid=x"}})
			return err
		}, wantField: "CN"},
		{name: "group without members", add: func(ctx context.Context) error { _, err := shared.AddGroup(ctx, Group{CN: "x"}); return err }, wantField: "Members"},
		{name: "posix group without cn", add: func(ctx context.Context) error { _, err := shared.AddPosixGroup(ctx, PosixGroup{}); return err }, wantField: "CN"},
		{name: "unit without name", add: func(ctx context.Context) error { _, err := shared.AddOrganizationalUnit(ctx, ""); return err }, wantField: "name"},
		{name: "existing user", add: func(ctx context.Context) error {
			_, err := shared.AddUser(ctx, User{UID: "adderr-erin" + sfx})
			return err
		}, wantCode: goldap.LDAPResultEntryAlreadyExists},
		{name: "missing OU", add: func(ctx context.Context) error {
			_, err := shared.AddUser(ctx, User{UID: "x", OU: "no-such-ou"})
			return err
		}, wantCode: goldap.LDAPResultNoSuchObject},
		{name: "unknown attribute", add: func(ctx context.Context) error {
			_, err := shared.AddUser(ctx, User{UID: "adderr-x", Attributes: map[string][]string{"shoeSize": {"42"}}})
			return err
		}, wantCode: goldap.LDAPResultUndefinedAttributeType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.add(ctx)
			require.Error(t, err)
			if tt.wantField != "" {
				var oe *OptionsError
				require.ErrorAs(t, err, &oe)
				assert.Equal(t, tt.wantField, oe.Field)
				return
			}
			assert.True(t, goldap.IsErrorWithCode(err, tt.wantCode), "want result code %d, got %v", tt.wantCode, err)
		})
	}

	t.Run("context ended", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := shared.AddUser(ctx, User{UID: "adderr-canceled" + sfx})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, search(t, shared, DefaultBaseDN, "(uid=adderr-canceled"+sfx+")"))
	})
}

func TestAddEntries(t *testing.T) {
	ctx, sfx := testCtx(t), uniq()
	ldif := func(s string) string { return strings.ReplaceAll(s, "SFX", sfx) }
	err := shared.AddEntries(ctx, ldif(`version: 1

# an organizational unit and a user in it, with a clear-text password
dn: ou=ldif-peopleSFX,dc=spherekit,dc=test
objectClass: organizationalUnit
ou: ldif-peopleSFX

dn: uid=frankSFX,ou=ldif-peopleSFX,dc=spherekit,dc=test
changetype: add
objectClass: inetOrgPerson
uid: frankSFX
cn: Frank
  Miller
sn:: TWlsbGVy
userPassword: f-password
`))
	require.NoError(t, err)
	got := search(t, shared, ldif("ou=ldif-peopleSFX,"+DefaultBaseDN), ldif("(uid=frankSFX)"), "cn", "sn")
	require.Len(t, got, 1)
	assert.Equal(t, "Frank Miller", got[0].GetAttributeValue("cn"))
	assert.Equal(t, "Miller", got[0].GetAttributeValue("sn"))
	assert.NoError(t, dial(t, shared.URL()).Bind(ldif("uid=frankSFX,ou=ldif-peopleSFX,"+DefaultBaseDN), "f-password"))

	t.Run("invalid LDIF adds nothing", func(t *testing.T) {
		err := shared.AddEntries(ctx, ldif("dn: ou=ldif-neverSFX,dc=spherekit,dc=test\nobjectClass: organizationalUnit\nou: ldif-neverSFX\n\ndn: ou=x,dc=spherekit,dc=test\nchangetype: delete\n"))
		var oe *OptionsError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, "ldif", oe.Field)
		assert.Contains(t, oe.Reason, "line 6")
		assert.Empty(t, search(t, shared, DefaultBaseDN, ldif("(ou=ldif-neverSFX)")))
	})
	t.Run("a refused entry ends the call", func(t *testing.T) {
		err := shared.AddEntries(ctx, ldif("dn: ou=ldif-firstSFX,dc=spherekit,dc=test\nobjectClass: organizationalUnit\nou: ldif-firstSFX\n\n"+
			"dn: ou=ldif-peopleSFX,dc=spherekit,dc=test\nobjectClass: organizationalUnit\nou: ldif-peopleSFX\n\n"+
			"dn: ou=ldif-thirdSFX,dc=spherekit,dc=test\nobjectClass: organizationalUnit\nou: ldif-thirdSFX\n"))
		assert.True(t, goldap.IsErrorWithCode(err, goldap.LDAPResultEntryAlreadyExists), "got %v", err)
		assert.Contains(t, err.Error(), ldif(`add "ou=ldif-peopleSFX,dc=spherekit,dc=test"`))
		assert.Len(t, search(t, shared, DefaultBaseDN, ldif("(ou=ldif-firstSFX)")), 1)
		assert.Empty(t, search(t, shared, DefaultBaseDN, ldif("(ou=ldif-thirdSFX)")))
	})
}

func TestTLS(t *testing.T) {
	ctx := testCtx(t)
	dn, err := shared.AddUser(ctx, User{UID: "tls-grace" + uniq(), Password: "g"})
	require.NoError(t, err)
	plain, err := Start(ctx, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = plain.Stop() })
	assert.Empty(t, plain.TLSURL())
	assert.Nil(t, plain.CACertPEM())
	assert.Nil(t, plain.RootCAs())

	fromPEM := x509.NewCertPool()
	require.True(t, fromPEM.AppendCertsFromPEM(shared.CACertPEM()))

	tests := []struct {
		name    string
		connect func(t *testing.T) (*goldap.Conn, error)
		wantErr string // empty: a bind over TLS succeeds
	}{
		{name: "ldaps with RootCAs", connect: func(t *testing.T) (*goldap.Conn, error) {
			return goldap.DialURL(shared.TLSURL(), goldap.DialWithTLSConfig(&tls.Config{RootCAs: shared.RootCAs()}))
		}},
		{name: "ldaps with CACertPEM, by name", connect: func(t *testing.T) (*goldap.Conn, error) {
			return goldap.DialURL(strings.Replace(shared.TLSURL(), "127.0.0.1", "localhost", 1), goldap.DialWithTLSConfig(&tls.Config{RootCAs: fromPEM}))
		}},
		{name: "ldaps without the CA", connect: func(t *testing.T) (*goldap.Conn, error) {
			return goldap.DialURL(shared.TLSURL(), goldap.DialWithTLSConfig(&tls.Config{}))
		}, wantErr: "certificate signed by unknown authority"},
		{name: "StartTLS with RootCAs", connect: func(t *testing.T) (*goldap.Conn, error) {
			c := dial(t, shared.URL())
			return c, c.StartTLS(&tls.Config{RootCAs: shared.RootCAs(), ServerName: "127.0.0.1"})
		}},
		{name: "StartTLS without the CA", connect: func(t *testing.T) (*goldap.Conn, error) {
			c := dial(t, shared.URL())
			return c, c.StartTLS(&tls.Config{ServerName: "127.0.0.1"})
		}, wantErr: "certificate signed by unknown authority"},
		{name: "StartTLS with another server's CA", connect: func(t *testing.T) (*goldap.Conn, error) {
			other, err := servercert.New("another CA")
			require.NoError(t, err)
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(other.CA)
			c := dial(t, shared.URL())
			return c, c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		}, wantErr: "certificate signed by unknown authority"},
		{name: "StartTLS on a server without TLS", connect: func(t *testing.T) (*goldap.Conn, error) {
			c := dial(t, plain.URL())
			return c, c.StartTLS(&tls.Config{RootCAs: shared.RootCAs(), ServerName: "127.0.0.1"})
		}, wantErr: "LDAP Result Code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.connect(t)
			if c != nil {
				t.Cleanup(func() { _ = c.Close() })
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			state, ok := c.TLSConnectionState()
			require.True(t, ok)
			assert.True(t, state.HandshakeComplete)
			assert.NoError(t, c.Bind(dn, "g"))
		})
	}
}

func TestTwoServers(t *testing.T) {
	ctx := testCtx(t)
	other, err := Start(ctx, Options{BaseDN: "o=other", RootDN: "cn=root,o=other", RootPassword: "root-password"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Stop() })
	assert.Equal(t, "o=other", other.BaseDN())
	assert.Equal(t, "cn=root,o=other", other.BindDN())
	assert.Equal(t, "root-password", other.BindPassword())
	assert.NotEqual(t, shared.URL(), other.URL())

	uid := "two-henry" + uniq()
	a, err := shared.AddUser(ctx, User{UID: uid, Password: "on-shared"})
	require.NoError(t, err)
	b, err := other.AddUser(ctx, User{UID: uid, Password: "on-other"})
	require.NoError(t, err)
	assert.Equal(t, "uid="+uid+",o=other", b)

	assert.NoError(t, dial(t, shared.URL()).Bind(a, "on-shared"))
	assert.NoError(t, dial(t, other.URL()).Bind(b, "on-other"))
	assert.Error(t, dial(t, other.URL()).Bind(b, "on-shared"), "each server has its own database")
	assert.Len(t, search(t, other, "o=other", "(uid="+uid+")"), 1)
	assert.Len(t, search(t, other, "o=other", "(objectClass=organization)"), 1, "the base entry for o=")
	assert.Len(t, search(t, shared, DefaultBaseDN, "(uid="+uid+")"), 1)
}

func TestStop(t *testing.T) {
	s, err := Start(testCtx(t), Options{TLS: true})
	require.NoError(t, err)
	pid, dir := s.proc.Pid(), s.folder.Dir
	addrs := []string{strings.TrimPrefix(s.URL(), "ldap://"), strings.TrimPrefix(s.TLSURL(), "ldaps://")}
	require.True(t, alive(pid))
	require.DirExists(t, dir)

	require.NoError(t, s.Stop())
	assert.False(t, alive(pid), "slapd has ended")
	assert.NoDirExists(t, dir, "its folder and database are gone")
	for _, addr := range addrs {
		_, err := net.DialTimeout("tcp", addr, time.Second)
		assert.Error(t, err, "nothing listens on %s", addr)
	}
	assert.NoError(t, s.Stop(), "a second Stop does nothing")
}

// TestDiesWithTestProcess kills, with SIGKILL so that nothing runs in it, a
// process that started a server: the kernel kills its slapd, and the next
// Start removes its folder.
func TestDiesWithTestProcess(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=1")
	out, err := helper.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, helper.Start())
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	var pid int
	var dir string
	_, err = fmt.Sscan(line, &pid, &dir)
	require.NoError(t, err, "the helper printed %q", line)
	require.True(t, alive(pid))

	require.NoError(t, helper.Process.Signal(syscall.SIGKILL))
	_ = helper.Wait()
	assert.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 10*time.Millisecond, "slapd dies with the process that started it")
	require.DirExists(t, dir, "nothing ran in the killed process to remove its folder")

	s, err := Start(testCtx(t), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop() })
	_, err = os.Stat(dir)
	assert.True(t, errors.Is(err, os.ErrNotExist), "the next Start removed the abandoned folder %s", dir)
}
