package ldap

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	goldap "github.com/go-ldap/ldap/v3"
)

// User is an inetOrgPerson entry, uid=<UID> under the base DN or under
// ou=<OU>,<base DN>.
type User struct {
	// UID is the user's uid and the first RDN of its DN. Required.
	UID string
	// OU, when set, puts the user under ou=<OU>,<base DN>, which must exist
	// (AddOrganizationalUnit); empty puts it directly under the base DN.
	OU string
	// CN and SN are the user's cn and sn; empty means UID.
	CN string
	SN string
	// Mail is the user's mail; empty means none.
	Mail string
	// Password is stored {SSHA}-hashed in userPassword, and the user binds
	// with it as it is here. Empty means no password: the user cannot bind.
	Password string
	// Attributes adds attributes, such as givenName or displayName, or
	// posixAccount's uidNumber, gidNumber and homeDirectory. Values for
	// objectClass are added to inetOrgPerson (say, posixAccount).
	Attributes map[string][]string
}

// Group is a groupOfNames entry, cn=<CN> under the base DN or under
// ou=<OU>,<base DN>.
type Group struct {
	// CN is the group's cn and the first RDN of its DN. Required.
	CN string
	// OU, when set, puts the group under ou=<OU>,<base DN>, which must
	// exist; empty puts it directly under the base DN.
	OU string
	// Members are the DNs of its members (member), such as those AddUser
	// returns. groupOfNames needs at least one.
	Members []string
	// Attributes adds attributes, such as description.
	Attributes map[string][]string
}

// PosixGroup is a posixGroup entry (RFC 2307, the nis schema): members by
// uid, not by DN.
type PosixGroup struct {
	// CN is the group's cn and the first RDN of its DN. Required.
	CN string
	// OU, when set, puts the group under ou=<OU>,<base DN>, which must
	// exist; empty puts it directly under the base DN.
	OU string
	// GIDNumber is its gidNumber.
	GIDNumber int
	// MemberUIDs are its members' uids (memberUid); it may have none.
	MemberUIDs []string
	// Attributes adds attributes, such as description.
	Attributes map[string][]string
}

// AddEntries adds the entries of an LDIF document, in order, as the root
// DN. The document holds records separated by blank lines, each a dn: line
// and name: value lines ("name:: base64" for values that need it; lines
// that start with a space continue the one before; "#" starts a comment):
//
//	dn: ou=people,dc=spherekit,dc=test
//	objectClass: organizationalUnit
//	ou: people
//
// A record may say "changetype: add"; other change types, controls and
// URL values are refused with an *OptionsError before anything is added.
// Values are added as they are: a userPassword given in clear text is
// stored in clear text (simple binds with it still work). The first entry
// the server refuses ends the call; the entries before it stay.
func (s *Server) AddEntries(ctx context.Context, ldif string) error {
	entries, err := parseLDIF(ldif)
	if err != nil {
		return err
	}
	return s.add(ctx, entries...)
}

// AddOrganizationalUnit adds the organizationalUnit ou=<name> under the
// base DN and returns its DN.
func (s *Server) AddOrganizationalUnit(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", &OptionsError{Field: "name", Reason: "empty"}
	}
	e := ldifEntry{dn: "ou=" + goldap.EscapeDN(name) + "," + s.opts.BaseDN}
	e.add("objectClass", "organizationalUnit")
	e.add("ou", name)
	return e.dn, s.add(ctx, e)
}

// AddUser adds u as an inetOrgPerson and returns its DN,
// uid=<UID>,[ou=<OU>,]<base DN>. The user can then bind with that DN and
// u.Password.
func (s *Server) AddUser(ctx context.Context, u User) (string, error) {
	if u.UID == "" {
		return "", &OptionsError{Field: "UID", Reason: "empty"}
	}
	e := ldifEntry{dn: s.childDN("uid", u.UID, u.OU)}
	e.add("objectClass", "inetOrgPerson")
	e.add("uid", u.UID)
	e.add("cn", cmp.Or(u.CN, u.UID))
	e.add("sn", cmp.Or(u.SN, u.UID))
	if u.Mail != "" {
		e.add("mail", u.Mail)
	}
	if u.Password != "" {
		hash, err := hashSSHA(u.Password)
		if err != nil {
			return "", fmt.Errorf("add user %q: %w", u.UID, err)
		}
		e.add("userPassword", hash)
	}
	addAttributes(&e, u.Attributes)
	return e.dn, s.add(ctx, e)
}

// AddGroup adds g as a groupOfNames and returns its DN,
// cn=<CN>,[ou=<OU>,]<base DN>.
func (s *Server) AddGroup(ctx context.Context, g Group) (string, error) {
	if g.CN == "" {
		return "", &OptionsError{Field: "CN", Reason: "empty"}
	}
	if len(g.Members) == 0 {
		return "", &OptionsError{Field: "Members", Reason: "empty: groupOfNames needs at least one member"}
	}
	e := ldifEntry{dn: s.childDN("cn", g.CN, g.OU)}
	e.add("objectClass", "groupOfNames")
	e.add("cn", g.CN)
	e.add("member", g.Members...)
	addAttributes(&e, g.Attributes)
	return e.dn, s.add(ctx, e)
}

// AddPosixGroup adds g as a posixGroup and returns its DN,
// cn=<CN>,[ou=<OU>,]<base DN>.
func (s *Server) AddPosixGroup(ctx context.Context, g PosixGroup) (string, error) {
	if g.CN == "" {
		return "", &OptionsError{Field: "CN", Reason: "empty"}
	}
	e := ldifEntry{dn: s.childDN("cn", g.CN, g.OU)}
	e.add("objectClass", "posixGroup")
	e.add("cn", g.CN)
	e.add("gidNumber", strconv.Itoa(g.GIDNumber))
	if len(g.MemberUIDs) > 0 {
		e.add("memberUid", g.MemberUIDs...)
	}
	addAttributes(&e, g.Attributes)
	return e.dn, s.add(ctx, e)
}

// childDN is attr=<value>,[ou=<ou>,]<base DN>, values escaped.
func (s *Server) childDN(attr, value, ou string) string {
	parent := s.opts.BaseDN
	if ou != "" {
		parent = "ou=" + goldap.EscapeDN(ou) + "," + parent
	}
	return attr + "=" + goldap.EscapeDN(value) + "," + parent
}

// addAttributes adds extra attributes in name order, so entries come out
// the same every time.
func addAttributes(e *ldifEntry, attrs map[string][]string) {
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		e.add(name, attrs[name]...)
	}
}

// add adds entries over one connection bound as the root DN.
func (s *Server) add(ctx context.Context, entries ...ldifEntry) error {
	if len(entries) == 0 {
		return nil
	}
	conn, done, err := s.dialRoot(ctx)
	if err != nil {
		return fmt.Errorf("add %q: %w", entries[0].dn, err)
	}
	defer done()
	for _, e := range entries {
		req := goldap.NewAddRequest(e.dn, nil)
		for _, a := range e.attrs {
			req.Attribute(a.name, a.values)
		}
		if err := conn.Add(req); err != nil {
			return fmt.Errorf("add %q: %w", e.dn, ctxErr(ctx, err))
		}
	}
	return nil
}
