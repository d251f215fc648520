package gitea

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the Gitea version Start builds and runs.
const Version = "1.26.1"

// workFolderPrefix names the work folders in the temporary folder. A
// folder is locked by the process running its server (see process.Folder),
// so the next Start in any process removes one left by a process that was
// killed before Stop could remove it.
const workFolderPrefix = "spherekit-gitea-"

// Server is a running Gitea. Its methods are safe for concurrent use.
type Server struct {
	url           string
	adminUser     string
	adminPassword string
	dir           string
	folder        *process.Folder // dir, owner-locked while the server lives
	web           *process.Process
	log           *os.File
	client        *http.Client

	stopOnce sync.Once
	stopErr  error
}

// Start builds Gitea on first use (a few minutes, then cached; see the
// package documentation), writes its configuration into a temporary folder of
// its own, migrates its SQLite database, creates the administrator and starts
// the web server on a free loopback port. It returns once the server
// answers. Stop ends it; so does the end of this process (on Linux).
//
// ctx bounds the build and the start; a failed Gitea command is a
// *StartError with its last log lines.
func Start(ctx context.Context, opts Options) (*Server, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	root, err := provision.CacheRoot(o.CacheDir)
	if err != nil {
		return nil, err
	}
	cache := &provision.Cache{Root: root, Progress: o.Progress}
	res, err := cache.Ensure(ctx, provision.Gitea())
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(res.Dir, "gitea")

	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	start := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(o.Progress, "gitea: removed %s, left by a process that ended without stopping its server", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("gitea: work folder: %w", err)
	}
	dir := folder.Dir
	s := &Server{
		adminUser:     o.AdminUser,
		adminPassword: o.AdminPassword,
		dir:           dir,
		folder:        folder,
		client:        &http.Client{Timeout: 30 * time.Second},
	}
	if err := s.start(ctx, o, binary, res.Dir); err != nil {
		_ = s.Stop()
		return nil, err
	}
	progressf(o.Progress, "gitea: %s ready at %s in %s (work folder %s)", Version, s.url, time.Since(start).Round(100*time.Millisecond), dir)
	return s, nil
}

func (s *Server) start(ctx context.Context, o Options, binary, staticRoot string) error {
	logPath := filepath.Join(s.dir, "gitea.log")
	var err error
	if s.log, err = os.Create(logPath); err != nil {
		return fmt.Errorf("gitea: create log: %w", err)
	}
	sec, err := newSecrets()
	if err != nil {
		return err
	}
	// A port picked free can be taken before Gitea binds it; try again then.
	for attempt := 1; ; attempt++ {
		port, err := process.FreePort()
		if err != nil {
			return fmt.Errorf("gitea: pick a port: %w", err)
		}
		s.url = "http://127.0.0.1:" + strconv.Itoa(port)
		iniPath := filepath.Join(s.dir, "app.ini")
		ini, err := appINI(s.dir, staticRoot, port, sec, o.Config)
		if err != nil {
			return err
		}
		if err := os.WriteFile(iniPath, []byte(ini), 0o600); err != nil {
			return fmt.Errorf("gitea: write app.ini: %w", err)
		}
		if attempt == 1 {
			progressf(o.Progress, "gitea: migrating the database")
			if err := s.run(ctx, binary, iniPath, "migrate", "migrate"); err != nil {
				return err
			}
			progressf(o.Progress, "gitea: creating administrator %s", o.AdminUser)
			if err := s.run(ctx, binary, iniPath, "create admin user", "admin", "user", "create",
				"--username", o.AdminUser, "--password", o.AdminPassword, "--email", o.AdminEmail,
				"--admin", "--must-change-password=false"); err != nil {
				return err
			}
		}
		progressf(o.Progress, "gitea: starting the web server on %s", s.url)
		err = s.startWeb(ctx, binary, iniPath)
		var se *StartError
		if err != nil && attempt < 3 && errors.As(err, &se) && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		return err
	}
}

// run runs one Gitea command to completion.
func (s *Server) run(ctx context.Context, binary, iniPath, step string, args ...string) error {
	tail, err := process.Run(ctx, binary, append(args, "--config", iniPath, "--work-path", s.dir), s.processOptions())
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return &StartError{Step: step, LogTail: tail, Err: err}
	}
	return nil
}

// processOptions runs a Gitea command in the work folder with giteaEnv,
// logging to the server's log.
func (s *Server) processOptions() process.Options {
	return process.Options{Log: s.log, Dir: s.dir, Env: giteaEnv(s.dir)}
}

// startWeb starts `gitea web` and waits until it answers /api/healthz.
func (s *Server) startWeb(ctx context.Context, binary, iniPath string) error {
	p, err := process.Start(binary, []string{"web", "--config", iniPath, "--work-path", s.dir}, s.processOptions())
	if err != nil {
		return &StartError{Step: "web", Err: err}
	}
	if err := p.WaitHTTP(ctx, s.client, s.url+"/api/healthz", 100*time.Millisecond); err != nil {
		p.Stop(5 * time.Second)
		return &StartError{Step: "web", LogTail: p.LogTail(), Err: err}
	}
	s.web = p
	return nil
}

// Stop ends the web server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.web != nil {
			s.web.Stop(10 * time.Second)
		}
		if s.log != nil {
			_ = s.log.Close()
		}
		if err := s.folder.Remove(); err != nil {
			s.stopErr = fmt.Errorf("gitea: remove work folder: %w", err)
		}
	})
	return s.stopErr
}

// URL is the server's root URL without a trailing slash, such as
// http://127.0.0.1:41234. It is also the OpenID Connect issuer.
func (s *Server) URL() string { return s.url }

// AdminUser is the name of the administrator Start created.
func (s *Server) AdminUser() string { return s.adminUser }

// AdminPassword is the administrator's password.
func (s *Server) AdminPassword() string { return s.adminPassword }

// giteaEnv is the environment of every Gitea command: this process's, with
// GITEA_WORK_DIR set and no GITEA_CUSTOM or HOME inherited from the user.
func giteaEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "GITEA_WORK_DIR" || k == "GITEA_CUSTOM" || k == "HOME" || strings.HasPrefix(k, "GITEA__") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GITEA_WORK_DIR="+dir, "HOME="+filepath.Join(dir, "home"))
}

// secrets are the keys Gitea would otherwise generate and write into
// app.ini itself.
type secrets struct {
	secretKey, internalToken string
	// jwt and lfsJWT are 32 random bytes in unpadded base64url, the form
	// Gitea's own generator writes.
	jwt, lfsJWT string
}

func newSecrets() (secrets, error) {
	var r [4][32]byte
	for i := range r {
		if _, err := rand.Read(r[i][:]); err != nil {
			return secrets{}, fmt.Errorf("gitea: generate a secret: %w", err)
		}
	}
	return secrets{
		secretKey:     hex.EncodeToString(r[0][:]),
		internalToken: hex.EncodeToString(r[1][:]),
		jwt:           base64.RawURLEncoding.EncodeToString(r[2][:]),
		lfsJWT:        base64.RawURLEncoding.EncodeToString(r[3][:]),
	}, nil
}

// appINI renders the configuration of a server in dir, with its assets in
// staticRoot, listening on port, with extra applied last.
func appINI(dir, staticRoot string, port int, sec secrets, extra map[string]map[string]string) (string, error) {
	data := filepath.Join(dir, "data")
	root := "http://127.0.0.1:" + strconv.Itoa(port) + "/"
	cfg := map[string]map[string]string{
		"": {
			"APP_NAME":  "spherekit testenv Gitea",
			"RUN_MODE":  "prod",
			"WORK_PATH": dir,
		},
		"server": {
			"PROTOCOL":         "http",
			"HTTP_ADDR":        "127.0.0.1",
			"HTTP_PORT":        strconv.Itoa(port),
			"DOMAIN":           "127.0.0.1",
			"ROOT_URL":         root,
			"APP_DATA_PATH":    data,
			"STATIC_ROOT_PATH": staticRoot,
			"OFFLINE_MODE":     "true",
			"DISABLE_SSH":      "true",
			"START_SSH_SERVER": "false",
			"LFS_START_SERVER": "false",
			"LFS_JWT_SECRET":   sec.lfsJWT,
		},
		"database": {
			"DB_TYPE": "sqlite3",
			"PATH":    filepath.Join(data, "gitea.db"),
		},
		"repository": {"ROOT": filepath.Join(dir, "repositories")},
		"security": {
			"INSTALL_LOCK":   "true",
			"SECRET_KEY":     sec.secretKey,
			"INTERNAL_TOKEN": sec.internalToken,
		},
		"oauth2":  {"ENABLED": "true", "JWT_SECRET": sec.jwt},
		"webhook": {"ALLOWED_HOST_LIST": "loopback"},
		"service": {
			"DISABLE_REGISTRATION":       "true",
			"DEFAULT_KEEP_EMAIL_PRIVATE": "false",
			"ENABLE_NOTIFY_MAIL":         "false",
		},
		"mailer":               {"ENABLED": "false"},
		"session":              {"PROVIDER": "memory"},
		"queue":                {"TYPE": "channel"},
		"actions":              {"ENABLED": "false"},
		"cron.update_checker":  {"ENABLED": "false"},
		"log":                  {"MODE": "console", "LEVEL": "Info", "ROOT_PATH": filepath.Join(dir, "log")},
		"migrations":           {"ALLOW_LOCALNETWORKS": "true"},
		"cron.archive_cleanup": {"ENABLED": "false"},
	}
	if runningAsRoot() {
		cfg[""]["I_AM_BEING_UNSAFE_RUNNING_AS_ROOT"] = "true"
	}
	for section, keys := range extra {
		if cfg[section] == nil {
			cfg[section] = map[string]string{}
		}
		for k, v := range keys {
			if strings.ContainsAny(k+v, "\n\r") {
				return "", &OptionsError{Field: "Config", Reason: fmt.Sprintf("[%s] %s spans lines", section, k)}
			}
			cfg[section][k] = v
		}
	}
	var b strings.Builder
	sections := make([]string, 0, len(cfg))
	for name := range cfg {
		sections = append(sections, name)
	}
	sort.Strings(sections) // "" first
	for _, name := range sections {
		if name != "" {
			fmt.Fprintf(&b, "\n[%s]\n", name)
		}
		keys := make([]string, 0, len(cfg[name]))
		for k := range cfg[name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s = %s\n", k, cfg[name][k])
		}
	}
	return b.String(), nil
}

// runningAsRoot reports whether Gitea, run by this process, runs as root,
// which it refuses unless told I_AM_BEING_UNSAFE_RUNNING_AS_ROOT.
func runningAsRoot() bool { return os.Geteuid() == 0 }

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
