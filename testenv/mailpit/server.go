package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/launch"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the mailpit version Start builds and runs.
const Version = provision.MailpitVersion

// OptionsError reports an invalid Options field.
type OptionsError = fielderr.Invalid

// BuildError reports that mailpit could not be built from source.
type BuildError = provision.BuildError

// StartError reports a server that exited while starting or did not
// answer, with the last lines it logged: LogTail holds them and Err is the
// cause.
type StartError = launch.StartError[serverName]

// serverName names mailpit in launch's messages and errors.
type serverName struct{}

func (serverName) ServerName() string { return "mailpit" }

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
	proc             *launch.Server
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
	proc, err := launch.Start[serverName](ctx, launch.Spec{
		Component:    provision.Mailpit(),
		Binary:       "mailpit",
		CacheDir:     opts.CacheDir,
		Progress:     opts.Progress,
		StartTimeout: opts.StartTimeout,
		Ports:        2,
		Command: func(dir string, ports []int) launch.Command {
			smtpAddr, httpAddr := launch.Loopback(ports[0]), launch.Loopback(ports[1])
			return launch.Command{
				Args: []string{
					"--smtp", smtpAddr, "--listen", httpAddr,
					"--database", filepath.Join(dir, "mailpit.db"),
					"--disable-version-check", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
				},
				ReadyURL: "http://" + httpAddr + "/readyz",
			}
		},
	})
	if err != nil {
		return nil, err
	}
	ports := proc.Ports()
	s := &Server{smtpAddr: launch.Loopback(ports[0]), apiURL: "http://" + launch.Loopback(ports[1]), proc: proc}
	launch.Progressf(opts.Progress, "mailpit: %s ready, SMTP on %s, API at %s in %s", Version, s.smtpAddr, s.apiURL, proc.Elapsed())
	return s, nil
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
func (s *Server) LogTail() string { return s.proc.LogTail() }

// Stop ends the server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error { return s.proc.Stop() }
