package gitea

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// CreateUser creates an active user who can sign in at once (no password
// change required).
func (s *Server) CreateUser(ctx context.Context, name, email, password string) error {
	body := map[string]any{
		"username":             name,
		"email":                email,
		"password":             password,
		"must_change_password": false,
		"send_notify":          false,
	}
	if err := s.api(ctx, http.MethodPost, "/api/v1/admin/users", body, http.StatusCreated, nil); err != nil {
		return fmt.Errorf("create user %q: %w", name, err)
	}
	return nil
}

// CreateOrg creates a public organization owned by the administrator.
func (s *Server) CreateOrg(ctx context.Context, name string) error {
	body := map[string]any{"username": name, "visibility": "public"}
	if err := s.api(ctx, http.MethodPost, "/api/v1/orgs", body, http.StatusCreated, nil); err != nil {
		return fmt.Errorf("create organization %q: %w", name, err)
	}
	return nil
}

// CreateTeam creates a team with read access to the code of org's
// repositories and returns its ID, which AddTeamMember takes. In the OIDC
// groups claim a member of the team appears as "org" and "org:team", the
// team name in lower case.
func (s *Server) CreateTeam(ctx context.Context, org, team string) (int64, error) {
	body := map[string]any{
		"name":       team,
		"permission": "read",
		"units_map":  map[string]string{"repo.code": "read"},
	}
	var created struct {
		ID int64 `json:"id"`
	}
	if err := s.api(ctx, http.MethodPost, "/api/v1/orgs/"+url.PathEscape(org)+"/teams", body, http.StatusCreated, &created); err != nil {
		return 0, fmt.Errorf("create team %q in %q: %w", team, org, err)
	}
	return created.ID, nil
}

// AddTeamMember adds user to the team with the given ID, which makes the
// user a member of the team's organization too.
func (s *Server) AddTeamMember(ctx context.Context, teamID int64, user string) error {
	path := "/api/v1/teams/" + strconv.FormatInt(teamID, 10) + "/members/" + url.PathEscape(user)
	if err := s.api(ctx, http.MethodPut, path, nil, http.StatusNoContent, nil); err != nil {
		return fmt.Errorf("add %q to team %d: %w", user, teamID, err)
	}
	return nil
}

// CreateOAuth2App registers an OAuth2 (OpenID Connect) client owned by the
// administrator and returns its client ID and secret. A confidential client
// authenticates with its secret at the token endpoint; a public one must use
// PKCE. Gitea asks each user once to grant a client access; AuthorizeCode
// answers for them.
func (s *Server) CreateOAuth2App(ctx context.Context, name string, redirectURIs []string, confidential bool) (clientID, clientSecret string, err error) {
	if len(redirectURIs) == 0 {
		return "", "", &OptionsError{Field: "redirectURIs", Reason: "at least one redirect URI is required"}
	}
	body := map[string]any{
		"name":                name,
		"redirect_uris":       redirectURIs,
		"confidential_client": confidential,
	}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := s.api(ctx, http.MethodPost, "/api/v1/user/applications/oauth2", body, http.StatusCreated, &app); err != nil {
		return "", "", fmt.Errorf("create OAuth2 application %q: %w", name, err)
	}
	return app.ClientID, app.ClientSecret, nil
}

// api calls the REST API as the administrator, expecting status want, and
// decodes the answer into out unless it is nil.
func (s *Server) api(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(s.adminUser, s.adminPassword)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		msg := string(data)
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &e) == nil && e.Message != "" {
			msg = e.Message
		} else if len(msg) > 300 {
			msg = msg[:300]
		}
		return &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode the answer of %s %s: %w", method, path, err)
		}
	}
	return nil
}
