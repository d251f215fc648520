package victorialogs_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/victorialogs"
)

func TestServer(t *testing.T) {
	s := server
	get := func(path string, args url.Values) string {
		t.Helper()
		resp, err := http.Get(s.URL() + path + "?" + args.Encode())
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
		return string(body)
	}

	t.Run("reports its version", func(t *testing.T) {
		assert.Contains(t, get("/select/buildinfo", nil), victorialogs.Version)
	})
	t.Run("stores a record dated years ago and finds it", func(t *testing.T) {
		line := `{"_time":"2020-05-16T16:00:42.608962452Z","_msg":"hello from the past","namespace":"demo"}` + "\n"
		resp, err := http.Post(s.URL()+"/insert/jsonline?_stream_fields=namespace", "application/stream+json", strings.NewReader(line))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		get("/internal/force_flush", nil)
		out := get("/select/logsql/query", url.Values{"query": {`namespace:="demo"`}})
		assert.Contains(t, out, `"_msg":"hello from the past"`)
		assert.Contains(t, out, `"_time":"2020-05-16T16:00:42.608962452Z"`)
	})
}

func TestStop(t *testing.T) {
	s, err := victorialogs.Start(context.Background(), victorialogs.Options{})
	require.NoError(t, err)
	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "a second Stop")
	_, err = http.Get(s.URL() + "/health")
	assert.Error(t, err, "nothing answers after Stop")
}

func TestStartRefusesANegativeTimeout(t *testing.T) {
	_, err := victorialogs.Start(context.Background(), victorialogs.Options{StartTimeout: -time.Second})
	var oe *victorialogs.OptionsError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "StartTimeout", oe.Field)
}
