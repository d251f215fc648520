package gitea

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/internal/process"
)

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		opts  Options
		field string
	}{
		{Options{AdminUser: "admin"}, "AdminUser"},
		{Options{AdminPassword: "short"}, "AdminPassword"},
		{Options{StartTimeout: -time.Second}, "StartTimeout"},
	} {
		_, err := Start(context.Background(), tc.opts)
		var oe *OptionsError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, tc.field, oe.Field)
	}
	assert.NoError(t, Options{}.withDefaults().validate(), "the zero value is valid")
}

func TestAppINI(t *testing.T) {
	sec, err := newSecrets()
	require.NoError(t, err)
	ini, err := appINI("/work", "/static", 3000, sec, map[string]map[string]string{
		"repository": {"DEFAULT_BRANCH": "trunk"},
		"server":     {"OFFLINE_MODE": "false"},
	})
	require.NoError(t, err)
	for _, want := range []string{
		"\n[server]\n", "HTTP_ADDR = 127.0.0.1\n", "HTTP_PORT = 3000\n", "ROOT_URL = http://127.0.0.1:3000/\n",
		"STATIC_ROOT_PATH = /static\n", "\n[security]\n", "INSTALL_LOCK = true\n",
		"DB_TYPE = sqlite3\n", "\n[oauth2]\n", "ENABLED = true\n", "ALLOWED_HOST_LIST = loopback\n",
		"DEFAULT_BRANCH = trunk\n", "OFFLINE_MODE = false\n",
	} {
		assert.Contains(t, ini, want)
	}
	assert.Less(t, strings.Index(ini, "WORK_PATH"), strings.Index(ini, "["), "top-level keys come before the sections")
	assert.Equal(t, os.Geteuid() == 0, strings.Contains(ini, "I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true"))

	assert.Contains(t, ini, "JWT_SECRET = "+sec.jwt+"\n", "Gitea finds its secrets and writes nothing back")
	assert.Len(t, sec.jwt, 43, "32 bytes, unpadded base64url")

	_, err = appINI("/work", "/static", 3000, sec, map[string]map[string]string{"server": {"X": "a\nb"}})
	var oe *OptionsError
	assert.ErrorAs(t, err, &oe)
}

// grantPage is the form of Gitea 1.26's templates/user/auth/grant.tmpl as
// it renders.
const grantPage = `<html><body><div class="ui attached segment tw-text-center">
<form method="post" action="/login/oauth/grant">
	<input type="hidden" name="client_id" value="cid">
	<input type="hidden" name="state" value="st&amp;1">
	<input type="hidden" name="scope" value="openid groups">
	<input type="hidden" name="nonce" value="n">
	<input type="hidden" name="redirect_uri" value="http://127.0.0.1:1/cb">
	<button type="submit" id="authorize-app" name="granted" value="true" class="ui red inline button">Authorize</button>
	<button type="submit" name="granted" value="false" class="ui basic primary inline button">Cancel</button>
</form></div></body></html>`

func TestGrantForm(t *testing.T) {
	base, err := url.Parse("http://127.0.0.1:3000")
	require.NoError(t, err)
	f, ok := grantForm(grantPage, base)
	require.True(t, ok)
	assert.Equal(t, "http://127.0.0.1:3000/login/oauth/grant", f.action.String())
	assert.Equal(t, url.Values{
		"client_id": {"cid"}, "state": {"st&1"}, "scope": {"openid groups"}, "nonce": {"n"},
		"redirect_uri": {"http://127.0.0.1:1/cb"},
	}, f.values)

	_, ok = grantForm(`<form action="/user/login"><input type="hidden" name="x" value="y"></form>`, base)
	assert.False(t, ok)
}

func TestFlashError(t *testing.T) {
	page := `<div class="ui negative message flash-message flash-error">
		<p>Username or password is incorrect.</p>
	</div>`
	assert.Equal(t, "Username or password is incorrect.", flashError(page))
	assert.Empty(t, flashError(`<div class="flash-success"><p>ok</p></div>`))

	assert.Equal(t, "Username or password is incorrect.", pageMessage("<nav>menu</nav>"+page))
	assert.Equal(t, "Authorization failed Unregistered Redirect URI",
		pageMessage(`<nav>menu</nav><div role="main"><h1>Authorization failed</h1>
		<h3>Unregistered Redirect URI</h3></div>`), "else the main content")
	assert.Equal(t, "plain text", pageMessage("plain\n text"))
}

// TestStop starts a second server and checks that Start removed a work
// folder left by a process that died, that Stop ends the server and removes
// its work folder, and that a second Stop is harmless.
func TestStop(t *testing.T) {
	// A folder whose owner lock nobody holds, as one whose process died,
	// and one whose owner lives.
	abandoned, err := os.MkdirTemp("", workFolderPrefix)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(abandoned, process.OwnerLockName), nil, 0o600))
	live, err := process.NewFolder(workFolderPrefix)
	require.NoError(t, err)
	defer func() { _ = live.Remove() }()

	s, err := Start(context.Background(), Options{AdminUser: "root-user", AdminPassword: "another-password"})
	require.NoError(t, err)
	assert.NoDirExists(t, abandoned, "Start removes the folders of dead processes")
	assert.DirExists(t, live.Dir, "and leaves those of live ones")
	_, err = os.Stat(s.dir)
	require.NoError(t, err)
	assert.Equal(t, "root-user", s.AdminUser())

	require.NoError(t, s.Stop())
	assert.True(t, s.web.Exited(), "gitea web still runs after Stop")
	assert.NoDirExists(t, s.dir)
	_, err = (&http.Client{Timeout: time.Second}).Get(s.URL() + "/api/healthz")
	assert.Error(t, err)
	assert.NoError(t, s.Stop())
}

// TestStartFailureCarriesLogTail breaks the configuration so that the first
// Gitea command fails, and checks the error names the step and carries
// Gitea's own complaint.
func TestStartFailureCarriesLogTail(t *testing.T) {
	_, err := Start(context.Background(), Options{Config: map[string]map[string]string{"database": {"DB_TYPE": "nosuchdb"}}})
	var se *StartError
	require.ErrorAs(t, err, &se)
	t.Log(err)
	assert.Equal(t, "migrate", se.Step)
	assert.Contains(t, se.LogTail, "nosuchdb")
}
