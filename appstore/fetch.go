package appstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxIndexSize is the largest index.yaml FetchIndex reads (64 MiB, about
// 100,000 chart versions).
const MaxIndexSize = 64 << 20

// FetchOptions are the optional inputs of FetchIndex, matching a Repo's
// spec.credential.
type FetchOptions struct {
	// Username and Password, when either is set, are sent with HTTP basic
	// authentication.
	Username string
	Password string
	// CAData is a PEM bundle of the certificate authorities to trust
	// instead of the system's.
	CAData []byte
	// InsecureSkipVerify skips verifying the server's certificate. The zero
	// value verifies it; KubeSphere, unlike FetchIndex, skips verification
	// unless insecureSkipTLSVerify is set to false.
	InsecureSkipVerify bool
	// Timeout bounds the whole request; zero means five minutes, as
	// KubeSphere waits.
	Timeout time.Duration
}

// FetchIndex downloads and parses the index.yaml of the HTTP(S) chart
// repository at repoURL (the Repo's spec.url; "/index.yaml" is appended as
// KubeSphere appends it). An unusable repoURL or CAData is an
// *InvalidError naming it; an answer other than 2xx is a *StatusError
// naming the status; an index that does not parse is ParseIndex's
// *InvalidError.
func FetchIndex(ctx context.Context, repoURL string, opts FetchOptions) (*Index, error) {
	u, err := url.Parse(repoURL)
	if err != nil {
		return nil, &InvalidError{Field: "url", Reason: err.Error(), Err: err}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &InvalidError{Field: "url", Reason: fmt.Sprintf("%q is not an http or https URL", repoURL)}
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/index.yaml"
	u.RawPath = ""

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipVerify} //nolint:gosec // the caller's choice, off by default
	if len(opts.CAData) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(opts.CAData) {
			return nil, &InvalidError{Field: "CAData", Reason: "no PEM certificate found"}
		}
		tlsConfig.RootCAs = pool
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport, Timeout: timeout}

	indexURL := u.Redacted() // for messages
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch index %s: %w", indexURL, err)
	}
	if opts.Username != "" || opts.Password != "" {
		req.SetBasicAuth(opts.Username, opts.Password)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch index: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{URL: indexURL, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxIndexSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetch index %s: %w", indexURL, err)
	}
	if len(data) > MaxIndexSize {
		return nil, fmt.Errorf("fetch index %s: larger than %d bytes", indexURL, MaxIndexSize)
	}
	return ParseIndex(data)
}
