package appstore_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/appstore"
)

func TestFetchIndex(t *testing.T) {
	index, err := os.ReadFile("testdata/index.yaml")
	require.NoError(t, err)

	var gotPath string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		user, pass, ok := r.BasicAuth()
		if !ok || user != "alice" || pass != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/stable/index.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(index)
	}))
	t.Cleanup(srv.Close)
	caData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	auth := appstore.FetchOptions{Username: "alice", Password: "s3cret"}
	withCA := auth
	withCA.CAData = caData
	insecure := auth
	insecure.InsecureSkipVerify = true

	tests := []struct {
		name       string
		url        string
		opts       appstore.FetchOptions
		wantStatus int    // a *StatusError with this code
		wantField  string // an *InvalidError naming this field
		wantErr    bool   // another error
	}{
		{name: "trusted CA", url: srv.URL + "/stable", opts: withCA},
		{name: "trailing slash", url: srv.URL + "/stable/", opts: withCA},
		{name: "insecure skip verify", url: srv.URL + "/stable", opts: insecure},
		{name: "unknown CA", url: srv.URL + "/stable", opts: auth, wantErr: true},
		{name: "no credentials", url: srv.URL + "/stable", opts: appstore.FetchOptions{CAData: caData}, wantStatus: http.StatusUnauthorized},
		{name: "wrong password", url: srv.URL + "/stable", opts: appstore.FetchOptions{Username: "alice", Password: "x", CAData: caData}, wantStatus: http.StatusUnauthorized},
		{name: "not a repository", url: srv.URL + "/other", opts: withCA, wantStatus: http.StatusNotFound},
		{name: "bad CA data", url: srv.URL + "/stable", opts: appstore.FetchOptions{CAData: []byte("not pem")}, wantField: "CAData"},
		{name: "not http", url: "ftp://example.com/charts", wantField: "url"},
		{name: "unparsable url", url: "http://[::1", wantField: "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, err := appstore.FetchIndex(context.Background(), tt.url, tt.opts)
			switch {
			case tt.wantStatus != 0:
				var statusErr *appstore.StatusError
				require.True(t, errors.As(err, &statusErr), "want *StatusError, got %v", err)
				assert.Equal(t, tt.wantStatus, statusErr.StatusCode)
				assert.Contains(t, err.Error(), http.StatusText(tt.wantStatus))
				assert.NotContains(t, err.Error(), "s3cret")
			case tt.wantField != "":
				var invalid *appstore.InvalidError
				require.True(t, errors.As(err, &invalid), "want *InvalidError, got %v", err)
				assert.Equal(t, tt.wantField, invalid.Field)
			case tt.wantErr:
				require.Error(t, err)
			default:
				require.NoError(t, err)
				assert.Equal(t, "/stable/index.yaml", gotPath)
				assert.Len(t, idx.Entries["nginx"], 5)
				return
			}
			assert.Nil(t, idx)
		})
	}
}

func TestFetchIndexBadIndexAndTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow/index.yaml" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = w.Write([]byte("apiVersion: v1\nentries:\n  a:\n  - {name: a, urls: [a.tgz]}\n"))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	_, err := appstore.FetchIndex(context.Background(), srv.URL, appstore.FetchOptions{})
	var invalid *appstore.InvalidError
	require.True(t, errors.As(err, &invalid), "want *InvalidError, got %v", err)
	assert.Equal(t, "entries.a[0].version", invalid.Field)

	start := time.Now()
	_, err = appstore.FetchIndex(context.Background(), srv.URL+"/slow", appstore.FetchOptions{Timeout: 100 * time.Millisecond})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = appstore.FetchIndex(ctx, srv.URL, appstore.FetchOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}
