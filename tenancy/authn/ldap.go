package authn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// LDAPProvider is an LDAP directory as a password identity provider and a
// source of groups (GroupSource). Its fields follow KubeSphere's LDAP
// provider options. A login searches the user (as the manager) by the login
// attribute, then binds as the entry found with the password given.
type LDAPProvider struct {
	// ProviderName names the provider (Name); Mapping is its mapping method
	// (empty: MappingAuto).
	ProviderName string
	Mapping      MappingMethod

	// URL is ldap://host:port or ldaps://host:port.
	URL string
	// StartTLS upgrades an ldap:// connection before anything is sent.
	StartTLS bool
	// RootCAs verify the server's certificate (nil: the system's roots);
	// InsecureSkipVerify skips that check (tests only).
	RootCAs            *x509.CertPool
	InsecureSkipVerify bool
	// ManagerDN and ManagerPassword bind for searches.
	ManagerDN, ManagerPassword string
	// Timeout bounds each connection and request; zero means ten seconds.
	Timeout time.Duration

	// UserSearchBase is where users are searched (subtree);
	// UserSearchFilter, when set, is ANDed to every user search, such as
	// (objectClass=inetOrgPerson).
	UserSearchBase, UserSearchFilter string
	// LoginAttribute is matched against the login name (empty: "uid");
	// its value is the identity's username. UIDAttribute, when set, is the
	// identity's stable UID (such as entryUUID); else the login attribute's
	// value is, as in KubeSphere.
	LoginAttribute, UIDAttribute string
	// MailAttribute (empty: "mail") and DisplayNameAttribute (empty: "cn")
	// fill the identity.
	MailAttribute, DisplayNameAttribute string

	// GroupSearchBase is where groups are searched; empty disables groups.
	// GroupSearchFilter selects group entries (empty:
	// "(objectClass=groupOfNames)"); GroupMemberAttribute lists members
	// (empty: "member") by DN, or by login name when GroupMemberIsLogin (a
	// posixGroup's memberUid). GroupNameAttribute names the group (empty:
	// "cn").
	GroupSearchBase, GroupSearchFilter string
	GroupMemberAttribute               string
	GroupMemberIsLogin                 bool
	GroupNameAttribute                 string
}

var (
	_ PasswordProvider = (*LDAPProvider)(nil)
	_ GroupSource      = (*LDAPProvider)(nil)
)

// Name implements IdentityProvider.
func (p *LDAPProvider) Name() string { return p.ProviderName }

// MappingMethod implements IdentityProvider.
func (p *LDAPProvider) MappingMethod() MappingMethod {
	if p.Mapping == "" {
		return MappingAuto
	}
	return p.Mapping
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (p *LDAPProvider) loginAttr() string { return or(p.LoginAttribute, "uid") }

// userFilter is the search filter for the user logging in as login: the
// login attribute equal to login, escaped (RFC 4515) so that no input adds
// a clause, ANDed with UserSearchFilter.
func (p *LDAPProvider) userFilter(login string) string {
	return "(&(" + p.loginAttr() + "=" + ldap.EscapeFilter(login) + ")" + p.UserSearchFilter + ")"
}

// dial connects, upgrades with StartTLS if configured, and binds as the
// manager.
func (p *LDAPProvider) dial(ctx context.Context) (*ldap.Conn, error) {
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return nil, &InvalidError{Field: "LDAPProvider.URL", Reason: fmt.Sprintf("%q is not an ldap:// or ldaps:// URL", p.URL)}
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	host, _, _ := net.SplitHostPort(u.Host)
	tlsConfig := &tls.Config{RootCAs: p.RootCAs, ServerName: host, InsecureSkipVerify: p.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // InsecureSkipVerify is the caller's explicit choice, documented as for tests
	conn, err := ldap.DialURL(p.URL, ldap.DialWithDialer(&net.Dialer{Timeout: timeout}), ldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", p.URL, err)
	}
	conn.SetTimeout(timeout)
	if p.StartTLS && u.Scheme == "ldap" {
		if err := conn.StartTLS(tlsConfig); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("StartTLS with %s: %w", p.URL, err)
		}
	}
	if p.ManagerDN != "" {
		if err := conn.Bind(p.ManagerDN, p.ManagerPassword); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("bind as the manager: %w", err)
		}
	}
	return conn, nil
}

func (p *LDAPProvider) userAttributes() []string {
	attrs := []string{p.loginAttr(), or(p.MailAttribute, "mail"), or(p.DisplayNameAttribute, "cn")}
	if p.UIDAttribute != "" {
		attrs = append(attrs, p.UIDAttribute)
	}
	return attrs
}

func (p *LDAPProvider) identityOf(e *ldap.Entry) Identity {
	id := Identity{
		Username:    e.GetAttributeValue(p.loginAttr()),
		Email:       e.GetAttributeValue(or(p.MailAttribute, "mail")),
		DisplayName: e.GetAttributeValue(or(p.DisplayNameAttribute, "cn")),
	}
	id.UID = id.Username
	if p.UIDAttribute != "" {
		id.UID = e.GetAttributeValue(p.UIDAttribute)
	}
	return id
}

// AuthenticatePassword implements PasswordProvider. An empty password is
// refused before anything is sent: LDAP treats a bind without one as an
// anonymous bind, which succeeds.
func (p *LDAPProvider) AuthenticatePassword(ctx context.Context, username, password string) (Identity, error) {
	if username == "" || password == "" {
		return Identity{}, ErrInvalidCredentials
	}
	conn, err := p.dial(ctx)
	if err != nil {
		return Identity{}, err
	}
	defer func() { _ = conn.Close() }()
	res, err := conn.Search(ldap.NewSearchRequest(p.UserSearchBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false,
		p.userFilter(username), p.userAttributes(), nil))
	if err != nil {
		return Identity{}, fmt.Errorf("search user: %w", err)
	}
	if len(res.Entries) != 1 {
		// None, or ambiguous: refuse without saying which.
		return Identity{}, ErrInvalidCredentials
	}
	entry := res.Entries[0]
	if err := conn.Bind(entry.DN, password); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return Identity{}, ErrInvalidCredentials
		}
		return Identity{}, fmt.Errorf("bind as %s: %w", entry.DN, err)
	}
	id := p.identityOf(entry)
	if id.UID == "" {
		return Identity{}, fmt.Errorf("entry %s has no %s", entry.DN, or(p.UIDAttribute, p.loginAttr()))
	}
	if p.GroupSearchBase != "" {
		// Group names for the caller; SyncGroups reads groups itself.
		groups, err := p.groupsOf(conn, entry.DN, id.Username)
		if err != nil {
			return Identity{}, err
		}
		id.Groups = groups
	}
	return id, nil
}

func (p *LDAPProvider) groupFilter() string {
	return or(p.GroupSearchFilter, "(objectClass=groupOfNames)")
}

func (p *LDAPProvider) memberValue(dn, login string) string {
	if p.GroupMemberIsLogin {
		return login
	}
	return dn
}

func (p *LDAPProvider) groupsOf(conn *ldap.Conn, dn, login string) ([]string, error) {
	member := or(p.GroupMemberAttribute, "member")
	filter := "(&" + p.groupFilter() + "(" + member + "=" + ldap.EscapeFilter(p.memberValue(dn, login)) + "))"
	res, err := conn.SearchWithPaging(ldap.NewSearchRequest(p.GroupSearchBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		filter, []string{or(p.GroupNameAttribute, "cn")}, nil), 500)
	if err != nil {
		return nil, fmt.Errorf("search groups of %s: %w", dn, err)
	}
	var names []string
	for _, e := range res.Entries {
		if n := e.GetAttributeValue(or(p.GroupNameAttribute, "cn")); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, nil
}

// ListGroups implements GroupSource: every group under GroupSearchBase with
// the UIDs of its members that are users under UserSearchBase.
func (p *LDAPProvider) ListGroups(ctx context.Context) ([]DirectoryGroup, error) {
	if p.GroupSearchBase == "" {
		return nil, &InvalidError{Field: "LDAPProvider.GroupSearchBase", Reason: "required to list groups"}
	}
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close() }()
	filter := "(&(" + p.loginAttr() + "=*)" + p.UserSearchFilter + ")"
	users, err := conn.SearchWithPaging(ldap.NewSearchRequest(p.UserSearchBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		filter, p.userAttributes(), nil), 500)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	uidOf := map[string]string{} // member value (DN or login) to UID
	for _, e := range users.Entries {
		id := p.identityOf(e)
		if id.UID == "" {
			continue
		}
		key := e.DN
		if p.GroupMemberIsLogin {
			key = id.Username
		}
		uidOf[normalizeMember(key, p.GroupMemberIsLogin)] = id.UID
	}
	member, nameAttr := or(p.GroupMemberAttribute, "member"), or(p.GroupNameAttribute, "cn")
	groups, err := conn.SearchWithPaging(ldap.NewSearchRequest(p.GroupSearchBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		p.groupFilter(), []string{nameAttr, member}, nil), 500)
	if err != nil {
		return nil, fmt.Errorf("search groups: %w", err)
	}
	out := make([]DirectoryGroup, 0, len(groups.Entries))
	for _, e := range groups.Entries {
		g := DirectoryGroup{Name: e.GetAttributeValue(nameAttr)}
		if g.Name == "" {
			continue
		}
		for _, m := range e.GetAttributeValues(member) {
			if uid, ok := uidOf[normalizeMember(m, p.GroupMemberIsLogin)]; ok {
				g.MemberUIDs = append(g.MemberUIDs, uid)
			}
		}
		slices.Sort(g.MemberUIDs)
		g.MemberUIDs = slices.Compact(g.MemberUIDs)
		out = append(out, g)
	}
	return out, nil
}

// normalizeMember makes DNs comparable: parsed and re-joined lower-case
// without spaces around separators (a DN's attribute types and, for the
// common matching rules, values compare ignoring case).
func normalizeMember(v string, isLogin bool) string {
	if isLogin {
		return v
	}
	dn, err := ldap.ParseDN(v)
	if err != nil {
		return strings.ToLower(v)
	}
	var parts []string
	for _, rdn := range dn.RDNs {
		var as []string
		for _, a := range rdn.Attributes {
			as = append(as, strings.ToLower(a.Type)+"="+strings.ToLower(a.Value))
		}
		slices.Sort(as)
		parts = append(parts, strings.Join(as, "+"))
	}
	return strings.Join(parts, ",")
}
