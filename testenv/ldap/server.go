package ldap

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
	"github.com/spherekit/spherekit/testenv/internal/servercert"
)

// Where Debian's slapd package puts its modules and schemas.
const (
	moduleDir = "/usr/lib/ldap"
	schemaDir = "/etc/ldap/schema"
)

// Debian packages and the programs Start needs from them.
var packages = provision.DebianPackages{
	Packages: []string{"slapd", "ldap-utils"},
	Programs: []string{"slapd", "slapadd"},
}

// folderPrefix names the server folders in the temporary folder.
const folderPrefix = "spherekit-ldap-"

// startTimeout bounds Start's wait for slapd to answer, whatever ctx allows.
const startTimeout = 30 * time.Second

// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// Server is a running slapd of its own: one mdb database under BaseDN, a
// root DN, listeners on loopback ports. Its methods are safe for concurrent
// use.
type Server struct {
	opts   Options
	url    string
	tlsURL string
	caPEM  []byte
	roots  *x509.CertPool

	folder *process.Folder
	proc   *process.Process

	stopOnce sync.Once
	stopErr  error
}

// Start runs a new slapd (Debian's, installed with apt-get when missing;
// see the package documentation) with a configuration and a database of its
// own in a folder in the temporary folder, on free loopback ports, and
// returns once it answers a bind as the root DN. The base DN's entry exists
// by then. Stop it with Stop; on Linux it also dies with this process.
//
// Start gives up after 30 seconds, or sooner when ctx ends. A slapd that
// fails to start gives a *ProcessError with its last log lines; missing
// packages that cannot be installed give a *PackagesError; invalid Options
// give an *OptionsError.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	pkgs := packages
	pkgs.Progress = opts.Progress
	res, err := provision.EnsureDebianPackages(ctx, pkgs)
	if err != nil {
		return nil, err
	}
	process.RemoveAbandoned(folderPrefix)
	folder, err := process.NewFolder(folderPrefix)
	if err != nil {
		return nil, fmt.Errorf("start slapd: %w", err)
	}
	s := &Server{opts: opts, folder: folder}
	if err := s.start(ctx, res.Paths["slapd"], res.Paths["slapadd"]); err != nil {
		if s.proc != nil {
			s.proc.Stop(stopGrace)
		}
		_ = folder.Remove()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, slapd, slapadd string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	dir := s.folder.Dir
	if s.opts.TLS {
		certs, err := servercert.New("spherekit testenv LDAP CA")
		if err != nil {
			return fmt.Errorf("start slapd: %w", err)
		}
		for name, data := range map[string][]byte{"ca.pem": certs.CA, "server.pem": certs.Cert, "server-key.pem": certs.Key} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				return fmt.Errorf("start slapd: %w", err)
			}
		}
		s.caPEM = certs.CA
		s.roots = x509.NewCertPool()
		s.roots.AppendCertsFromPEM(certs.CA)
	}
	conf, err := s.writeConfig()
	if err != nil {
		return fmt.Errorf("start slapd: %w", err)
	}
	if err := s.loadBaseEntry(ctx, slapadd, conf); err != nil {
		return err
	}

	// A free port can be taken between choosing it and slapd binding it:
	// then slapd exits saying so, and another one is tried.
	for attempt := 1; ; attempt++ {
		urls, err := s.chooseURLs()
		if err != nil {
			return fmt.Errorf("start slapd: %w", err)
		}
		proc, err := process.Start(slapd, []string{"-f", conf, "-h", strings.Join(urls, " "), "-d", s.opts.LogLevel}, process.Options{Log: s.opts.Log})
		if err != nil {
			return &ProcessError{Program: "slapd", Err: err}
		}
		s.proc = proc
		err = s.waitReady(ctx)
		if err == nil {
			return nil
		}
		proc.Stop(stopGrace)
		s.proc = nil
		if attempt < 5 && strings.Contains(proc.LogTail(), "Address already in use") {
			continue
		}
		return err
	}
}

// writeConfig writes slapd.conf into the server's folder and returns its
// path.
func (s *Server) writeConfig() (string, error) {
	dir := s.folder.Dir
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return "", err
	}
	rootpw, err := hashSSHA(s.opts.RootPassword)
	if err != nil {
		return "", err
	}
	q := confQuote
	var b strings.Builder
	b.WriteString("# Written by spherekit's testenv/ldap for one test server; removed when it stops.\n")
	for _, schema := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s\n", q(filepath.Join(schemaDir, schema+".schema")))
	}
	fmt.Fprintf(&b, "modulepath %s\nmoduleload back_mdb\n", q(moduleDir))
	fmt.Fprintf(&b, "pidfile %s\nargsfile %s\n", q(filepath.Join(dir, "slapd.pid")), q(filepath.Join(dir, "slapd.args")))
	b.WriteString("sizelimit unlimited\n")
	if s.opts.TLS {
		fmt.Fprintf(&b, "TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n",
			q(filepath.Join(dir, "ca.pem")), q(filepath.Join(dir, "server.pem")), q(filepath.Join(dir, "server-key.pem")))
	}
	fmt.Fprintf(&b, "database mdb\nsuffix %s\nrootdn %s\nrootpw %s\n", q(s.opts.BaseDN), q(s.opts.RootDN), rootpw)
	fmt.Fprintf(&b, "directory %s\n", q(data))
	// The map is sparse: 1 GiB of address space, not of disk. No fsync:
	// a test database need not survive a crash.
	b.WriteString("maxsize 1073741824\ndbnosync\n")
	b.WriteString("index objectClass,uid,cn,mail,member,uniqueMember,memberUid eq\n")
	b.WriteString("access to attrs=userPassword by self write by anonymous auth by * none\n")
	b.WriteString("access to * by * read\n")
	conf := filepath.Join(dir, "slapd.conf")
	return conf, os.WriteFile(conf, []byte(b.String()), 0o600)
}

// confQuote quotes s as one slapd.conf word: in double quotes, with a
// backslash before each double quote and backslash. Values with control
// characters are refused earlier (checkDN).
func confQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// loadBaseEntry adds the base DN's entry with slapadd, before slapd runs.
func (s *Server) loadBaseEntry(ctx context.Context, slapadd, conf string) error {
	classes, attrs, err := baseEntry(s.opts.BaseDN)
	if err != nil {
		return err
	}
	e := ldifEntry{dn: s.opts.BaseDN}
	e.add("objectClass", classes...)
	for _, a := range attrs {
		e.add(a[0], a[1])
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, slapadd, "-q", "-f", conf)
	cmd.Stdin = strings.NewReader(formatLDIF([]ldifEntry{e}))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return &ProcessError{Program: "slapadd", LogTail: strings.TrimSpace(out.String()), Err: fmt.Errorf("load the base entry %s: %w", s.opts.BaseDN, err)}
	}
	return nil
}

// chooseURLs picks free loopback ports and sets the server's URLs.
func (s *Server) chooseURLs() ([]string, error) {
	n := 1
	if s.opts.TLS {
		n = 2
	}
	ports, err := process.FreePorts(n)
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	s.url = "ldap://127.0.0.1:" + strconv.Itoa(ports[0])
	urls := []string{s.url + "/"}
	if s.opts.TLS {
		s.tlsURL = "ldaps://127.0.0.1:" + strconv.Itoa(ports[1])
		urls = append(urls, s.tlsURL+"/")
	}
	return urls, nil
}

// waitReady polls until slapd answers a root bind, exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	var lastErr error
	for {
		if s.proc.Exited() {
			return &ProcessError{Program: "slapd", LogTail: s.proc.LogTail(), Err: fmt.Errorf("exited while starting: %w", s.proc.Err())}
		}
		// A slapd that accepts connections answers at once; the timeout
		// only keeps one stuck try from using up ctx.
		try, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, done, err := s.dialRoot(try)
		if err == nil {
			done()
		}
		cancel()
		if err == nil {
			return nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return &ProcessError{Program: "slapd", LogTail: s.proc.LogTail(),
				Err: fmt.Errorf("did not answer at %s: %w (last try: %w)", s.url, ctx.Err(), lastErr)}
		case <-s.proc.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// URL is the plain listener's URL, ldap://127.0.0.1:PORT. With
// Options.TLS, it also offers StartTLS.
func (s *Server) URL() string { return s.url }

// TLSURL is the ldaps:// listener's URL, ldaps://127.0.0.1:PORT, or ""
// without Options.TLS.
func (s *Server) TLSURL() string { return s.tlsURL }

// CACertPEM is the PEM certificate of the CA that issued the server's
// certificate, or nil without Options.TLS.
func (s *Server) CACertPEM() []byte { return bytes.Clone(s.caPEM) }

// RootCAs is a pool holding the CA that issued the server's certificate,
// for tls.Config.RootCAs, or nil without Options.TLS. The certificate is
// valid for 127.0.0.1, ::1 and localhost.
func (s *Server) RootCAs() *x509.CertPool {
	if s.roots == nil {
		return nil
	}
	return s.roots.Clone()
}

// BaseDN is the suffix of the server's database; its entry exists.
func (s *Server) BaseDN() string { return s.opts.BaseDN }

// BindDN is the root DN, which may do anything.
func (s *Server) BindDN() string { return s.opts.RootDN }

// BindPassword is the root DN's password.
func (s *Server) BindPassword() string { return s.opts.RootPassword }

// Stop ends slapd (SIGTERM, then SIGKILL after 5 seconds) and removes its
// folder, database included. Calling it again does nothing and returns the
// first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.proc.Stop(stopGrace)
		if err := s.folder.Remove(); err != nil {
			s.stopErr = fmt.Errorf("stop slapd: %w", err)
		}
	})
	return s.stopErr
}

// dialRoot connects to the plain listener and binds as the root DN. The
// connection is closed by done, or when ctx ends.
func (s *Server) dialRoot(ctx context.Context) (conn *goldap.Conn, done func(), err error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", strings.TrimPrefix(s.url, "ldap://"))
	if err != nil {
		return nil, nil, err
	}
	conn = goldap.NewConn(nc, false)
	conn.Start()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	done = func() {
		stop()
		_ = conn.Close()
	}
	if err := conn.Bind(s.opts.RootDN, s.opts.RootPassword); err != nil {
		done()
		return nil, nil, ctxErr(ctx, fmt.Errorf("bind as %s: %w", s.opts.RootDN, err))
	}
	return conn, done, nil
}

// ctxErr prefers ctx's error to err when ctx has ended: an operation cut
// short by ctx fails with a closed connection.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}
