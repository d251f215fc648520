package process

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// WaitHTTP asks url with GET every interval until it answers 200 OK, and
// returns nil then. It returns an error wrapping the process's Err if the
// process ends first, and one wrapping ctx's error, naming url, if ctx ends
// first. The process keeps running in both error cases; the caller stops it.
// Each request is bounded by client's timeout (a 5-second one when client is
// nil).
func (p *Process) WaitHTTP(ctx context.Context, client *http.Client, url string, interval time.Duration) error {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if answersOK(ctx, client, url) {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited while starting: %w", p.Err())
		case <-ctx.Done():
			return fmt.Errorf("not answering %s: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}

// answersOK reports whether a GET of url answers 200 OK.
func answersOK(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
