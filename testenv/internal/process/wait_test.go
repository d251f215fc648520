package process

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWaitHTTP(t *testing.T) {
	// The server answers 503 to its first two requests, then 200.
	var asked atomic.Int32
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if asked.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ready.Close()
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer never.Close()

	tests := []struct {
		name    string
		script  string
		url     string
		timeout time.Duration
		check   func(t *testing.T, err error)
	}{
		{name: "answers after two refusals", script: "exec sleep 60", url: ready.URL, timeout: 10 * time.Second,
			check: func(t *testing.T, err error) {
				require.NoError(t, err)
				assert.Equal(t, int32(3), asked.Load())
			}},
		{name: "the process exits first", script: "exit 3", url: never.URL, timeout: 10 * time.Second,
			check: func(t *testing.T, err error) {
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, 3, ee.ExitCode())
				assert.ErrorContains(t, err, "exited while starting")
			}},
		{name: "ctx ends first", script: "exec sleep 60", url: never.URL, timeout: 300 * time.Millisecond,
			check: func(t *testing.T, err error) {
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.ErrorContains(t, err, "not answering "+never.URL)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start("/bin/sh", []string{"-c", tt.script}, Options{})
			require.NoError(t, err)
			defer p.Stop(5 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			tt.check(t, p.WaitHTTP(ctx, nil, tt.url, 10*time.Millisecond))
		})
	}
}
