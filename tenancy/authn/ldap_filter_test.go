package authn

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestLDAPUserFilterEscapes(t *testing.T) {
	p := &LDAPProvider{UserSearchFilter: "(objectClass=inetOrgPerson)"}
	cases := map[string]string{
		"alice":           `(&(uid=alice)(objectClass=inetOrgPerson))`,
		"*":               `(&(uid=\2a)(objectClass=inetOrgPerson))`,
		"alice)(uid=*":    `(&(uid=alice\29\28uid=\2a)(objectClass=inetOrgPerson))`,
		`a\b`:             `(&(uid=a\5cb)(objectClass=inetOrgPerson))`,
		"x)(|(uid=*))(#(": `(&(uid=x\29\28|\28uid=\2a\29\29\28#\28)(objectClass=inetOrgPerson))`,
	}
	for login, want := range cases {
		assert.Equal(t, want, p.userFilter(login), login)
	}
}

// FuzzLDAPUserFilter: whatever the login, the filter compiles and is the
// AND of exactly one equality on the login attribute, carrying the login
// unchanged, and the configured filter.
func FuzzLDAPUserFilter(f *testing.F) {
	for _, s := range []string{"alice", "*", "alice)(uid=*", `\`, "\x00", "é", "(|(a=b))"} {
		f.Add(s)
	}
	p := &LDAPProvider{UserSearchFilter: "(objectClass=person)"}
	f.Fuzz(func(t *testing.T, login string) {
		pkt, err := ldap.CompileFilter(p.userFilter(login))
		if err != nil {
			t.Fatalf("filter for %q does not compile: %v", login, err)
		}
		if pkt.Tag != ldap.FilterAnd || len(pkt.Children) != 2 {
			t.Fatalf("filter for %q is not an AND of two: %s", login, p.userFilter(login))
		}
		eq := pkt.Children[0]
		if eq.Tag != ldap.FilterEqualityMatch || len(eq.Children) != 2 {
			t.Fatalf("filter for %q does not start with one equality", login)
		}
		if got := eq.Children[0].Value; got != "uid" {
			t.Fatalf("attribute %v", got)
		}
		if got := eq.Children[1].Data.String(); got != login {
			t.Fatalf("value %q, want %q", got, login)
		}
	})
}

func TestSyncedGroupName(t *testing.T) {
	cases := []struct{ ws, group, want string }{
		{"team", "devs", "team-devs"},
		{"team", "Devs", "team-devs-"},
		{"team", "ops team", "team-ops-team-"},
		{"team", "ops-team", "team-ops-team"},
	}
	seen := map[string]string{}
	for _, tt := range cases {
		got := SyncedGroupName(tt.ws, tt.group)
		assert.Empty(t, validation.IsDNS1123Label(got), got)
		require.True(t, len(got) <= 63)
		if tt.want[len(tt.want)-1] == '-' {
			assert.Contains(t, got, tt.want, "a changed name gets a hash suffix")
		} else {
			assert.Equal(t, tt.want, got)
		}
		if prev, dup := seen[got]; dup {
			t.Fatalf("%q and %q share %q", prev, tt.group, got)
		}
		seen[got] = tt.group
	}
	long := SyncedGroupName("a-rather-long-workspace-name", "an extremely long directory group name that goes on")
	assert.LessOrEqual(t, len(long), 63)
	assert.Empty(t, validation.IsDNS1123Label(long))
}

func TestNormalizeMember(t *testing.T) {
	assert.Equal(t, normalizeMember("uid=Alice,ou=People,dc=X", false), normalizeMember("UID=alice, ou=people, dc=x", false))
	assert.Equal(t, "Alice", normalizeMember("Alice", true))
}
