package ldap

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode"

	goldap "github.com/go-ldap/ldap/v3"
)

// DefaultBaseDN is the base DN of a server whose Options name none.
const DefaultBaseDN = "dc=spherekit,dc=test"

// Options configure a server. The zero value is a plain LDAP server for
// DefaultBaseDN with root DN cn=admin,dc=spherekit,dc=test and a random
// root password.
type Options struct {
	// BaseDN is the suffix of the server's one database. Start creates its
	// entry: dcObject and organization for dc=..., organization for o=...,
	// organizationalUnit for ou=.... Empty means DefaultBaseDN.
	BaseDN string
	// RootDN is the DN that binds with RootPassword and may do anything
	// (slapd's rootdn). It must be under BaseDN (slapd keeps the password
	// of a root DN only there) and need not exist as an entry. Empty means
	// cn=admin,<BaseDN>.
	RootDN string
	// RootPassword is RootDN's password. Empty means a random one;
	// Server.BindPassword returns it either way.
	RootPassword string
	// TLS adds an ldaps:// listener (Server.TLSURL) and StartTLS on the
	// plain one, both with a server certificate for 127.0.0.1, ::1 and
	// localhost issued by a CA made for this server (Server.RootCAs).
	TLS bool
	// LogLevel is slapd's debug level (its -d flag: "none", "stats",
	// "acl", "-1"...). Empty means "none": errors only.
	LogLevel string
	// Log receives slapd's output; nil discards it. Start's errors carry
	// its last lines either way.
	Log io.Writer
	// Progress receives a line when Start installs Debian packages; nil
	// discards them.
	Progress io.Writer
}

// withDefaults validates o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if o.BaseDN == "" {
		o.BaseDN = DefaultBaseDN
	}
	if err := checkDN("BaseDN", o.BaseDN); err != nil {
		return o, err
	}
	if _, _, err := baseEntry(o.BaseDN); err != nil {
		return o, err
	}
	if o.RootDN == "" {
		o.RootDN = "cn=admin," + o.BaseDN
	}
	if err := checkDN("RootDN", o.RootDN); err != nil {
		return o, err
	}
	base, _ := goldap.ParseDN(o.BaseDN)
	if root, _ := goldap.ParseDN(o.RootDN); !base.AncestorOfFold(root) {
		return o, &OptionsError{Field: "RootDN", Reason: fmt.Sprintf("%q is not under the base DN %q", o.RootDN, o.BaseDN)}
	}
	if o.RootPassword == "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return o, fmt.Errorf("generate a root password: %w", err)
		}
		o.RootPassword = base64.RawURLEncoding.EncodeToString(b)
	}
	if o.LogLevel == "" {
		o.LogLevel = "none"
	}
	return o, nil
}

// checkDN refuses a DN that does not parse, or that has a control
// character (which slapd.conf cannot hold).
func checkDN(field, dn string) error {
	if _, err := goldap.ParseDN(dn); err != nil {
		return &OptionsError{Field: field, Reason: fmt.Sprintf("%q is not a DN", dn), Err: err}
	}
	if strings.ContainsFunc(dn, unicode.IsControl) {
		return &OptionsError{Field: field, Reason: fmt.Sprintf("%q has a control character", dn)}
	}
	return nil
}

// baseEntry returns the object classes and attributes of the base DN's
// entry, from its first RDN.
func baseEntry(baseDN string) (objectClasses []string, attrs [][2]string, err error) {
	dn, err := goldap.ParseDN(baseDN)
	if err != nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) != 1 {
		return nil, nil, &OptionsError{Field: "BaseDN", Reason: fmt.Sprintf("%q does not start with one dc=, o= or ou= RDN", baseDN)}
	}
	rdn := dn.RDNs[0].Attributes[0]
	switch strings.ToLower(rdn.Type) {
	case "dc":
		return []string{"dcObject", "organization"}, [][2]string{{"dc", rdn.Value}, {"o", rdn.Value}}, nil
	case "o":
		return []string{"organization"}, [][2]string{{"o", rdn.Value}}, nil
	case "ou":
		return []string{"organizationalUnit"}, [][2]string{{"ou", rdn.Value}}, nil
	}
	return nil, nil, &OptionsError{Field: "BaseDN", Reason: fmt.Sprintf("%q does not start with one dc=, o= or ou= RDN", baseDN)}
}
