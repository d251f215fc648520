package ldap_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/spherekit/spherekit/testenv/ldap"
)

// Start a server, add a user and bind as that user.
func ExampleStart() {
	ctx := context.Background()
	srv, err := ldap.Start(ctx, ldap.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()

	if _, err := srv.AddOrganizationalUnit(ctx, "people"); err != nil {
		log.Fatal(err)
	}
	dn, err := srv.AddUser(ctx, ldap.User{UID: "alice", OU: "people", CN: "Alice Liddell", Mail: "alice@example.com", Password: "wonderland"})
	if err != nil {
		log.Fatal(err)
	}

	conn, err := goldap.DialURL(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	fmt.Println("right password:", conn.Bind(dn, "wonderland") == nil)
	err = conn.Bind(dn, "looking-glass")
	fmt.Println("wrong password refused:", goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials))
	fmt.Println(dn)
	// Output:
	// right password: true
	// wrong password refused: true
	// uid=alice,ou=people,dc=spherekit,dc=test
}

// Add users and a group, then find the groups a user is a member of.
func ExampleServer_AddGroup() {
	ctx := context.Background()
	srv, err := ldap.Start(ctx, ldap.Options{BaseDN: "dc=example,dc=org"})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()

	bob, err := srv.AddUser(ctx, ldap.User{UID: "bob", Password: "b"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.AddGroup(ctx, ldap.Group{CN: "admins", Members: []string{bob}}); err != nil {
		log.Fatal(err)
	}

	conn, err := goldap.DialURL(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if err := conn.Bind(srv.BindDN(), srv.BindPassword()); err != nil {
		log.Fatal(err)
	}
	res, err := conn.Search(goldap.NewSearchRequest(srv.BaseDN(), goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=groupOfNames)(member="+goldap.EscapeFilter(bob)+"))", []string{"cn"}, nil))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range res.Entries {
		fmt.Println(e.DN)
	}
	// Output:
	// cn=admins,dc=example,dc=org
}

// Add a posixGroup, whose members are uids, and find it by one.
func ExampleServer_AddPosixGroup() {
	ctx := context.Background()
	srv, err := ldap.Start(ctx, ldap.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()

	if _, err := srv.AddPosixGroup(ctx, ldap.PosixGroup{CN: "staff", GIDNumber: 2000, MemberUIDs: []string{"alice", "bob"}}); err != nil {
		log.Fatal(err)
	}
	conn, err := goldap.DialURL(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	res, err := conn.Search(goldap.NewSearchRequest(srv.BaseDN(), goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=posixGroup)(memberUid=bob))", []string{"gidNumber"}, nil))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range res.Entries {
		fmt.Println(e.DN, e.GetAttributeValue("gidNumber"))
	}
	// Output:
	// cn=staff,dc=spherekit,dc=test 2000
}

// Seed entries from LDIF, here a user whose password is in clear text.
func ExampleServer_AddEntries() {
	ctx := context.Background()
	srv, err := ldap.Start(ctx, ldap.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()

	err = srv.AddEntries(ctx, `
dn: ou=people,dc=spherekit,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=carol,ou=people,dc=spherekit,dc=test
objectClass: inetOrgPerson
uid: carol
cn: Carol
sn: Jones
userPassword: carols-password
`)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := goldap.DialURL(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	fmt.Println("bound:", conn.Bind("uid=carol,ou=people,dc=spherekit,dc=test", "carols-password") == nil)
	// Output:
	// bound: true
}

// Connect over TLS: ldaps:// and StartTLS, trusting the server's own CA.
func ExampleServer_RootCAs() {
	ctx := context.Background()
	srv, err := ldap.Start(ctx, ldap.Options{TLS: true})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()

	ldaps, err := goldap.DialURL(srv.TLSURL(), goldap.DialWithTLSConfig(&tls.Config{RootCAs: srv.RootCAs()}))
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = ldaps.Close() }()
	fmt.Println("ldaps bind:", ldaps.Bind(srv.BindDN(), srv.BindPassword()) == nil)

	plain, err := goldap.DialURL(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = plain.Close() }()
	if err := plain.StartTLS(&tls.Config{RootCAs: srv.RootCAs(), ServerName: "127.0.0.1"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("StartTLS bind:", plain.Bind(srv.BindDN(), srv.BindPassword()) == nil)
	// Output:
	// ldaps bind: true
	// StartTLS bind: true
}
