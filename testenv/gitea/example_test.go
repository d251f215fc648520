package gitea_test

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/spherekit/spherekit/testenv/gitea"
)

// Start a Gitea and register an OpenID Connect client with it. The issuer
// (srv.URL()) serves /.well-known/openid-configuration for the relying
// party.
func Example() {
	ctx := context.Background()
	srv, err := gitea.Start(ctx, gitea.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = srv.Stop() }()

	clientID, clientSecret, err := srv.CreateOAuth2App(ctx, "console", []string{"http://127.0.0.1:8080/oidc/callback"}, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("issuer", srv.URL(), "client", clientID, "secret set:", clientSecret != "")
}

// A user in an organization's team, as the groups claim tests need.
func ExampleServer_CreateTeam() {
	ctx := context.Background()
	srv, err := gitea.Start(ctx, gitea.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = srv.Stop() }()

	if err := srv.CreateUser(ctx, "alice", "alice@example.com", "alice-password"); err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.CreateOrg(ctx, "platform"); err != nil {
		fmt.Println(err)
		return
	}
	team, err := srv.CreateTeam(ctx, "platform", "operators")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.AddTeamMember(ctx, team, "alice"); err != nil {
		fmt.Println(err)
		return
	}
	// alice's id_token, with the groups scope, says
	// "groups": ["platform", "platform:operators"].
}

// An authorization-code login without a browser: the relying party builds
// the authorize URL, AuthorizeCode signs alice in and approves the client,
// and the callback carries the code and state for the relying party.
func ExampleServer_AuthorizeCode() {
	ctx := context.Background()
	srv, err := gitea.Start(ctx, gitea.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = srv.Stop() }()

	const callback = "http://127.0.0.1:8080/oidc/callback"
	clientID, _, err := srv.CreateOAuth2App(ctx, "console", []string{callback}, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.CreateUser(ctx, "alice", "alice@example.com", "alice-password"); err != nil {
		fmt.Println(err)
		return
	}
	authorize := srv.URL() + "/login/oauth/authorize?" + url.Values{
		"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid profile email groups"}, "state": {"xyz"},
	}.Encode()
	cb, err := srv.AuthorizeCode(ctx, "alice", "alice-password", authorize)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cb.Query().Get("state"), cb.Query().Get("code") != "")
}
