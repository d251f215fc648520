package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the mailpit version Start builds and runs.
const Version = provision.MailpitVersion

// workFolderPrefix names the work folders in the temporary folder; see
// process.Folder for how a folder left by a killed process is removed.
const workFolderPrefix = "spherekit-mailpit-"

// OptionsError reports an invalid Options field.
type OptionsError = fielderr.Invalid

// BuildError reports that mailpit could not be built from source.
type BuildError = provision.BuildError

// StartError reports a server that exited while starting or did not
// answer, with the last lines it logged.
type StartError struct {
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("mailpit: start: %v", e.Err)
	}
	return fmt.Sprintf("mailpit: start: %v; last log lines:\n%s", e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// Options configures Start. The zero value is fit for tests.
type Options struct {
	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer
	// CacheDir is where the built server is kept. Empty means the
	// environment variable SPHEREKIT_TESTENV_CACHE, or else
	// spherekit/testenv under the user cache folder.
	CacheDir string
	// StartTimeout bounds the start once the server is built. Zero means
	// one minute.
	StartTimeout time.Duration
}

// Server is a running mailpit. Its methods are safe for concurrent use.
type Server struct {
	smtpAddr, apiURL string
	folder           *process.Folder
	proc             *process.Process
	log              *os.File

	stopOnce sync.Once
	stopErr  error
}

// Start builds mailpit on first use and starts it; see the package
// documentation.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.StartTimeout < 0 {
		return nil, fmt.Errorf("mailpit: %w", &OptionsError{Field: "StartTimeout", Reason: "is negative"})
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = time.Minute
	}
	root, err := provision.CacheRoot(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	res, err := (&provision.Cache{Root: root, Progress: opts.Progress}).Ensure(ctx, provision.Mailpit())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	begin := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(opts.Progress, "mailpit: removed %s, left by a process that ended without stopping its server", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("mailpit: work folder: %w", err)
	}
	s := &Server{folder: folder}
	if err := s.start(ctx, opts, filepath.Join(res.Dir, "mailpit")); err != nil {
		_ = s.Stop()
		return nil, err
	}
	progressf(opts.Progress, "mailpit: %s ready, SMTP on %s, API at %s in %s", Version, s.smtpAddr, s.apiURL, time.Since(begin).Round(100*time.Millisecond))
	return s, nil
}

func (s *Server) start(ctx context.Context, o Options, binary string) error {
	var err error
	if s.log, err = os.Create(filepath.Join(s.folder.Dir, "mailpit.log")); err != nil {
		return fmt.Errorf("mailpit: create log: %w", err)
	}
	// Ports picked free can be taken before the server binds them; try
	// again then.
	for attempt := 1; ; attempt++ {
		ports, err := process.FreePorts(2)
		if err != nil {
			return fmt.Errorf("mailpit: pick ports: %w", err)
		}
		smtpAddr, httpAddr := "127.0.0.1:"+strconv.Itoa(ports[0]), "127.0.0.1:"+strconv.Itoa(ports[1])
		args := []string{
			"--smtp", smtpAddr, "--listen", httpAddr,
			"--database", filepath.Join(s.folder.Dir, "mailpit.db"),
			"--disable-version-check", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		}
		p, err := process.Start(binary, args, process.Options{Log: s.log, Dir: s.folder.Dir})
		if err != nil {
			return &StartError{Err: err}
		}
		err = p.WaitHTTP(ctx, nil, "http://"+httpAddr+"/readyz", 50*time.Millisecond)
		if err == nil {
			s.proc, s.smtpAddr, s.apiURL = p, smtpAddr, "http://"+httpAddr
			return nil
		}
		p.Stop(5 * time.Second)
		se := &StartError{LogTail: p.LogTail(), Err: err}
		if attempt < 3 && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		return se
	}
}

// SMTPAddress is the server's SMTP address, such as 127.0.0.1:41025.
func (s *Server) SMTPAddress() string { return s.smtpAddr }

// APIURL is the base URL of the server's HTTP API and web UI.
func (s *Server) APIURL() string { return s.apiURL }

// Address is a mail address as the API reports it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is one received message.
type Message struct {
	ID      string    `json:"ID"`
	From    Address   `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	// Text and HTML are the message's bodies (Messages leaves them empty;
	// Message fills them).
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

// Messages lists the messages received, newest first, whose To includes
// to (every message when to is empty), without their bodies.
func (s *Server) Messages(ctx context.Context, to string) ([]Message, error) {
	var list struct {
		Messages []Message `json:"messages"`
	}
	path := "/api/v1/messages?limit=1000"
	if to != "" {
		path = "/api/v1/search?limit=1000&query=" + url.QueryEscape("to:"+to)
	}
	if err := s.get(ctx, path, &list); err != nil {
		return nil, err
	}
	return list.Messages, nil
}

// Message reads one message, with its bodies.
func (s *Server) Message(ctx context.Context, id string) (*Message, error) {
	var m Message
	if err := s.get(ctx, "/api/v1/message/"+url.PathEscape(id), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Headers reads one message's headers, as sent.
func (s *Server) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	if err := s.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h); err != nil {
		return nil, err
	}
	return h, nil
}

func (s *Server) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit: GET %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("mailpit: GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("mailpit: GET %s: decode: %w", path, err)
	}
	return nil
}

// LogTail is the server's last log lines, for a test's failure message.
func (s *Server) LogTail() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.LogTail()
}

// Stop ends the server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.proc != nil {
			s.proc.Stop(10 * time.Second)
		}
		if s.log != nil {
			_ = s.log.Close()
		}
		if err := s.folder.Remove(); err != nil {
			s.stopErr = fmt.Errorf("mailpit: remove work folder: %w", err)
		}
	})
	return s.stopErr
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
