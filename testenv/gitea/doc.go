// Package gitea runs a real Gitea server for tests: an OpenID Connect
// provider for the authentication tests and a Git server (REST API, webhooks
// to loopback) for the devops tests.
//
// Start from Start, once per test package in TestMain (building Gitea the
// first time takes minutes, which go test's timeout does not count there):
//
//	var srv *gitea.Server
//
//	func TestMain(m *testing.M) {
//		s, err := gitea.Start(context.Background(), gitea.Options{Progress: os.Stderr})
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		srv = s
//		code := m.Run()
//		_ = s.Stop()
//		os.Exit(code)
//	}
//
// Gitea (code.gitea.io/gitea, Version) is built from source through the Go
// module proxy by testenv's cached, locked provisioning, into the same cache
// as the control-plane binaries (SPHEREKIT_TESTENV_CACHE, or
// spherekit/testenv under the user cache folder), with its options,
// templates and public folders beside the binary. The build needs cgo and a
// C compiler: Gitea's SQLite driver is mattn/go-sqlite3. A cold build (empty
// module and build caches) took 12 minutes on a 2-core machine busy with other
// work, 860 CPU seconds; with the modules downloaded and compiled it takes
// about 20 seconds, and later starts reuse the cache entry.
//
// Each Server has a temporary work folder of its own with an app.ini Start
// writes: SQLite, offline mode, no SSH, INSTALL_LOCK, a free loopback port,
// the OAuth2 provider on (RS256 id_tokens, its key generated in the data
// folder), webhooks allowed to loopback and migrations from local networks.
// Options.Config adds or replaces keys. Start migrates the database, creates
// the administrator (Options, or DefaultAdminUser) and starts `gitea web`,
// which runs in a process group of its own and, on Linux, is killed when the
// test process dies; Stop ends it and removes the folder (a folder left by a
// process that was killed is removed by the next Start). Starting takes 3 to 6
// seconds on 2 cores.
//
// The REST helpers act as the administrator: CreateUser, CreateOrg,
// CreateTeam and AddTeamMember (a member of team t of org o gets "o" and
// "o:t" in the groups claim), CreateOAuth2App. AuthorizeCode plays the
// browser of an authorization-code login: it signs the user in to the web
// UI, opens the relying party's authorize URL, grants access when Gitea asks
// and hands back the redirect to the client, so a Go test can feed code and
// state to the relying party:
//
//	clientID, secret, _ := srv.CreateOAuth2App(ctx, "console", []string{callback}, true)
//	conf := oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: callback,
//		Endpoint: provider.Endpoint(), Scopes: []string{"openid", "profile", "email", "groups"}}
//	cb, err := srv.AuthorizeCode(ctx, "alice", "alice-password", conf.AuthCodeURL(state))
//	// cb.Query().Get("code"), cb.Query().Get("state")
//
// URL is both the server's root URL and the OIDC issuer, so
// oidc.NewProvider(ctx, srv.URL()) works as is.
//
// Gitea's commands run through testenv/internal/process, as testenv's own
// control plane and testenv/ldap's slapd do, so this package does not
// import testenv (which brings envtest along).
package gitea
