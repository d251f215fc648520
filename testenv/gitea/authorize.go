package gitea

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// AuthorizeCode does in Gitea's web UI what a user's browser does in an
// OAuth2 authorization-code login: it signs in as user with password, opens
// authorizeURL (Gitea's /login/oauth/authorize with the client's
// parameters, as a relying party builds it), grants the client access when
// Gitea asks (the first time a user meets a client), and returns the
// redirect to the client's redirect_uri without following it. The
// callback's query carries code and state for the relying party.
//
// A refused password is an error matching ErrSignIn; an OAuth2 error sent to
// the redirect URI instead of a code is an *AuthorizeError carrying the
// callback. Each call signs in afresh.
func (s *Server) AuthorizeCode(ctx context.Context, user, password, authorizeURL string) (*url.URL, error) {
	base, err := url.Parse(s.url)
	if err != nil {
		return nil, err
	}
	authz, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, &OptionsError{Field: "authorizeURL", Reason: "not a URL", Err: err}
	}
	if authz.Scheme != base.Scheme || authz.Host != base.Host {
		return nil, &OptionsError{Field: "authorizeURL", Reason: "not on this Gitea (" + s.url + ")"}
	}
	redirect, err := url.Parse(authz.Query().Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		return nil, &OptionsError{Field: "authorizeURL", Reason: "no absolute redirect_uri parameter"}
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	b := &browser{
		client: &http.Client{
			Jar:           jar,
			Timeout:       s.client.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		base:     base,
		redirect: redirect,
	}
	if err := b.signIn(ctx, user, password); err != nil {
		return nil, err
	}
	page, callback, err := b.follow(ctx, http.MethodGet, authz, nil)
	if err != nil {
		return nil, fmt.Errorf("gitea: authorize as %q: %w", user, err)
	}
	if callback == nil {
		form, ok := grantForm(page.body, base)
		if !ok {
			return nil, fmt.Errorf("gitea: authorize as %q: %s answered %d without a redirect or a grant form: %s", user, page.url.Path, page.status, pageMessage(page.body))
		}
		form.values.Set("granted", "true")
		page, callback, err = b.follow(ctx, http.MethodPost, form.action, form.values)
		if err != nil {
			return nil, fmt.Errorf("gitea: grant access as %q: %w", user, err)
		}
		if callback == nil {
			return nil, fmt.Errorf("gitea: grant access as %q: %s answered %d without a redirect: %s", user, page.url.Path, page.status, pageMessage(page.body))
		}
	}
	q := callback.Query()
	if code := q.Get("error"); code != "" {
		return nil, &AuthorizeError{Code: code, Description: q.Get("error_description"), Callback: callback}
	}
	return callback, nil
}

// browser is a cookie-keeping client that follows Gitea's redirects
// itself, so it can stop at the one to the client.
type browser struct {
	client   *http.Client
	base     *url.URL
	redirect *url.URL
}

// page is an answer that is not a redirect.
type page struct {
	url    *url.URL
	status int
	body   string
}

// signIn posts the sign-in form. Gitea answers a good password with a
// redirect and a wrong one with the form again, carrying an error message.
func (b *browser) signIn(ctx context.Context, user, password string) error {
	login := b.base.JoinPath("/user/login")
	if _, _, err := b.follow(ctx, http.MethodGet, login, nil); err != nil {
		return fmt.Errorf("gitea: open the sign-in page: %w", err)
	}
	resp, err := b.do(ctx, http.MethodPost, login, url.Values{"user_name": {user}, "password": {password}})
	if err != nil {
		return fmt.Errorf("gitea: sign in as %q: %w", user, err)
	}
	body, err := readBody(resp)
	if err != nil {
		return fmt.Errorf("gitea: sign in as %q: %w", user, err)
	}
	if isRedirect(resp.StatusCode) {
		if loc, err := resp.Location(); err == nil && loc.Path == login.Path {
			return fmt.Errorf("%w: as %q: sent back to the sign-in page", ErrSignIn, user)
		}
		return nil
	}
	return fmt.Errorf("%w: as %q: %s", ErrSignIn, user, pageMessage(body))
}

// follow sends the request and follows redirects within Gitea. It returns
// the redirect to the client when one comes, or else the first answer that
// is not a redirect.
func (b *browser) follow(ctx context.Context, method string, u *url.URL, form url.Values) (*page, *url.URL, error) {
	for range 10 {
		resp, err := b.do(ctx, method, u, form)
		if err != nil {
			return nil, nil, err
		}
		body, err := readBody(resp)
		if err != nil {
			return nil, nil, err
		}
		if !isRedirect(resp.StatusCode) {
			return &page{url: u, status: resp.StatusCode, body: body}, nil, nil
		}
		loc, err := resp.Location()
		if err != nil {
			return nil, nil, fmt.Errorf("%s answered %d without a location: %w", u.Path, resp.StatusCode, err)
		}
		if loc.Scheme == b.redirect.Scheme && loc.Host == b.redirect.Host && loc.Path == b.redirect.Path {
			return nil, loc, nil
		}
		if loc.Scheme != b.base.Scheme || loc.Host != b.base.Host {
			return nil, nil, fmt.Errorf("redirected to %s, neither Gitea nor the redirect URI", loc.Redacted())
		}
		if loc.Path == "/user/login" {
			return nil, nil, fmt.Errorf("%s sent the signed-in user back to the sign-in page", u.Path)
		}
		method, u, form = http.MethodGet, loc, nil
	}
	return nil, nil, fmt.Errorf("too many redirects from %s", u.Path)
}

func (b *browser) do(ctx context.Context, method string, u *url.URL, form url.Values) (*http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.client.Do(req)
}

func isRedirect(status int) bool { return status >= 300 && status < 400 }

func readBody(resp *http.Response) (string, error) {
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return string(data), err
}

// form is an HTML form to submit.
type form struct {
	action *url.URL
	values url.Values
}

// grantForm finds the form of Gitea's grant page (posting to
// /login/oauth/grant) and its hidden fields: client_id, state, scope, nonce,
// redirect_uri, and any Gitea adds.
func grantForm(body string, base *url.URL) (form, bool) {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return form{}, false
	}
	var found *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" && strings.HasSuffix(attr(n, "action"), "/login/oauth/grant") {
			found = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if found == nil {
		return form{}, false
	}
	action, err := base.Parse(attr(found, "action"))
	if err != nil {
		return form{}, false
	}
	f := form{action: action, values: url.Values{}}
	var inputs func(n *html.Node)
	inputs = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" && attr(n, "type") == "hidden" {
			f.values.Add(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			inputs(c)
		}
	}
	inputs(found)
	return f, true
}

// flashError returns the text of the error message Gitea shows on a page
// (its "flash-error" box), or "".
func flashError(body string) string {
	return findText(body, func(n *html.Node) bool {
		return strings.Contains(" "+attr(n, "class")+" ", " flash-error ")
	})
}

// pageMessage says what a page Gitea answered instead of a redirect says:
// its error box, or else its main content, or else the start of the body.
func pageMessage(body string) string {
	if msg := flashError(body); msg != "" {
		return msg
	}
	if msg := findText(body, func(n *html.Node) bool { return attr(n, "role") == "main" }); msg != "" {
		return shorten(msg)
	}
	return shorten(strings.Join(strings.Fields(body), " "))
}

// findText returns the text, spaces collapsed, of the first element match
// accepts, or "".
func findText(body string, match func(*html.Node) bool) string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return ""
	}
	var msg string
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if msg != "" {
			return
		}
		if n.Type == html.ElementNode && match(n) {
			msg = strings.Join(strings.Fields(text(n)), " ")
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	return msg
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
		b.WriteString(" ")
	}
	return b.String()
}

// shorten cuts a message for an error.
func shorten(msg string) string {
	if len(msg) > 300 {
		return msg[:300] + "..."
	}
	return msg
}
