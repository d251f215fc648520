// Package ldap runs a real OpenLDAP server (Debian's slapd 2.5) for tests:
// each Server is a slapd process of its own, with its own configuration and
// mdb database in a folder in the temporary folder, listening on free
// loopback ports. It never uses, and never needs, a system slapd.
//
// Start from Start, typically once per test package in TestMain (before
// m.Run, so that a first install of the packages does not count against go
// test's -timeout), then seed entries and point the code under test at URL
// with BindDN and BindPassword:
//
//	var srv *ldap.Server
//
//	func TestMain(m *testing.M) {
//		s, err := ldap.Start(context.Background(), ldap.Options{TLS: true})
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		srv = s
//		code := m.Run()
//		_ = srv.Stop()
//		os.Exit(code)
//	}
//
//	func TestLogin(t *testing.T) {
//		dn, err := srv.AddUser(ctx, ldap.User{UID: "alice", Password: "secret"})
//		...
//	}
//
// This package is named ldap, like github.com/go-ldap/ldap/v3, the client
// its tests and examples use; import that one as goldap.
//
// # The server
//
// One mdb database holds BaseDN (default dc=spherekit,dc=test), whose entry
// Start creates. The root DN (default cn=admin,<BaseDN>) binds with
// BindPassword (random unless Options.RootPassword is set) and may do
// anything. The core, cosine, inetorgperson and nis schemas are loaded, so
// inetOrgPerson, organizationalUnit, groupOfNames, posixAccount and
// posixGroup entries can be added. Anyone, anonymous included, may read
// every attribute except userPassword, which only its entry may read or
// change and anyone may bind with. Searches have no size limit, and the
// database skips fsync. The configuration is a slapd.conf file (still
// supported by OpenLDAP 2.5 and 2.6) rather than a cn=config tree: one
// file, written in one step, nothing to load before slapd starts but the
// base entry, which slapadd adds.
//
// With Options.TLS the server also listens on an ldaps:// port (TLSURL) and
// offers StartTLS on the plain one, both with a certificate for 127.0.0.1,
// ::1 and localhost issued by a CA made for the server; trust it with
// RootCAs (or CACertPEM). Without the CA, clients refuse the certificate.
//
// # Seeding
//
// AddOrganizationalUnit, AddUser (inetOrgPerson: uid, cn, sn, mail and a
// password stored {SSHA}-hashed, with which the user simple-binds),
// AddGroup (groupOfNames: member DNs) and AddPosixGroup (posixGroup:
// memberUid) add one entry each and return its DN; AddEntries adds the
// entries of an LDIF document. All of them write as the root DN.
//
// # Provisioning
//
// Start needs /usr/sbin/slapd and slapadd. When either is missing, it runs
//
//	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd ldap-utils
//
// (and apt-get update first only when that finds no package lists). Only
// root can; any other user gets a *PackagesError naming the command to run.
// Concurrent test processes install once: the others wait on a file lock
// (spherekit-apt.lock in the temporary folder) and then find the programs.
// Debian's package starts no daemon when policy-rc.d forbids it, as in
// containers; where it does start one, on port 389, this package ignores
// it.
//
// # Timings
//
// Measured on the 2-core test machine (Go 1.26.8, slapd 2.5.13), with other
// work running (load average 6 to 8):
//
//   - Installing the packages on a machine that never had them (slapd,
//     ldap-utils and three libraries, 2.2 MB from deb.debian.org, package
//     lists present): 12.3 s. Reinstalling them after apt-get remove,
//     through Start, with a second test process waiting on the lock: 20.7 s.
//   - Start to a server answering a root bind, packages installed: 0.38 s,
//     with or without TLS (BenchmarkStart: go test -run '^$' -bench Start
//     -benchtime 20x ./testenv/ldap/). slapadd adding the base entry takes
//     about 0.09 s of it, slapd's own start-up (schemas, GnuTLS) most of the
//     rest.
//   - Stop: about 20 ms (slapd ends on SIGTERM).
//
// # When the process ends
//
// Stop ends slapd (SIGTERM, then SIGKILL after 5 seconds) and removes its
// folder, database included. On Linux, slapd also dies with SIGKILL when
// the process that started it ends in any way (a panic, go test -timeout,
// os.Exit, SIGKILL): it gets a parent-death signal, set from a thread kept
// for the life of the process, as testenv does for its control plane. A
// folder left behind by a process that ended without Stop is removed by
// the next Start in any process sharing the temporary folder.
package ldap
