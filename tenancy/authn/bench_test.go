package authn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	golangjwt "github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// timed runs op b.N times and reports p50 and p99 latencies besides ns/op.
func timed(b *testing.B, op func() error) {
	b.Helper()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(t0))
	}
	b.StopTimer()
	reportPercentiles(b, samples)
}

func reportPercentiles(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	if len(samples) > 0 {
		b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds()), "p99-ns")
	}
}

// benchUser creates an active user whose password hash has bcrypt's
// default cost, the cost a production user controller uses, and waits for
// the manager's cache to see it active.
func benchUser(b *testing.B) string {
	b.Helper()
	ctx := b.Context()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	name := "bench-" + newID()[:10]
	u := &iamv1beta1.User{}
	u.Name = name
	u.Spec.Email = name + "@example.test"
	u.Spec.Password = string(hash)
	if err := env.Client.Create(ctx, u); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		got := &iamv1beta1.User{}
		if err := env.Manager.GetCache().Get(ctx, client.ObjectKey{Name: name}, got); err == nil && got.Status.State == iamv1beta1.UserActive {
			return name
		}
		if time.Now().After(deadline) {
			b.Fatal("user never active")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BenchmarkVerify compares spherekit's verification of an access token
// (signature, claims, session and user read from the manager's cache)
// with go-jose and golang-jwt verifying the same token's signature and
// expiry directly with the public key. "spherekit" is the usual case, a
// token seen before (its signature result is remembered; claims, session
// and user are checked again); "spherekit-cold" verifies the signature
// every time, as for a token seen for the first time. Each side must name the same user
// before timing.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	user := benchUser(b)
	tok, err := auth.IssueTokens(ctx, user)
	if err != nil {
		b.Fatal(err)
	}
	pub := &keys.signing.PrivateKey.PublicKey
	viaJose := func() (string, error) {
		t, err := josejwt.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			return "", err
		}
		var c josejwt.Claims
		if err := t.Claims(pub, &c); err != nil {
			return "", err
		}
		return c.Subject, c.ValidateWithLeeway(josejwt.Expected{Issuer: issuer.URL, Time: time.Now()}, time.Second)
	}
	viaGolangJWT := func() (string, error) {
		t, err := golangjwt.Parse(tok.AccessToken, func(*golangjwt.Token) (any, error) { return pub, nil },
			golangjwt.WithValidMethods([]string{"RS256"}), golangjwt.WithIssuer(issuer.URL), golangjwt.WithExpirationRequired())
		if err != nil {
			return "", err
		}
		return t.Claims.GetSubject()
	}
	viaSpherekit := func() (string, error) {
		u, err := auth.Verify(ctx, tok.AccessToken)
		return u.Name, err
	}
	// cold verifies the signature every time, as for a token never seen.
	cold := *auth
	cold.verified = nil
	viaSpherekitCold := func() (string, error) {
		u, err := cold.Verify(ctx, tok.AccessToken)
		return u.Name, err
	}
	// Eventually consistent: the session reaches the cache a moment later.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if name, err := viaSpherekit(); err == nil && name == user {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the session never reached the cache")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for name, f := range map[string]func() (string, error){"spherekit-cold": viaSpherekitCold, "go-jose": viaJose, "golang-jwt": viaGolangJWT} {
		if got, err := f(); err != nil || got != user {
			b.Fatalf("%s: %q, %v; want %q", name, got, err, user)
		}
	}
	sides := []struct {
		name string
		f    func() (string, error)
	}{{"spherekit", viaSpherekit}, {"spherekit-cold", viaSpherekitCold}, {"go-jose", viaJose}, {"golang-jwt", viaGolangJWT}}
	for _, s := range sides {
		b.Run(s.name, func(b *testing.B) {
			timed(b, func() error { _, err := s.f(); return err })
		})
	}
}

// BenchmarkMiddleware is the cost an authenticated request adds: the same
// handler bare and behind Middleware with a bearer token.
func BenchmarkMiddleware(b *testing.B) {
	ctx := context.Background()
	user := benchUser(b)
	tok, err := auth.IssueTokens(ctx, user)
	if err != nil {
		b.Fatal(err)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/kapis/x", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	wrapped := auth.Middleware(bare)
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := httptest.NewRecorder()
		wrapped.ServeHTTP(rec, req)
		if rec.Code == http.StatusNoContent {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("middleware answers %d", rec.Code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, s := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"authenticated", wrapped}} {
		b.Run(s.name, func(b *testing.B) {
			timed(b, func() error {
				rec := httptest.NewRecorder()
				s.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					return http.ErrAbortHandler
				}
				return nil
			})
		})
	}
}

// BenchmarkLogin compares a password login (user lookup, bcrypt at the
// default cost, a LoginRecord written) with the bcrypt floor: one
// comparison at the same cost. The unknown-user and wrong-password rows
// show that a refusal costs the same whether or not the user exists.
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	user := benchUser(b)
	a := *auth
	a.o.BcryptCost = bcrypt.DefaultCost
	hash, err := bcrypt.GenerateFromPassword([]byte(newID()), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	a.dummyHash = hash
	stored := mustUserB(b, user).Spec.Password
	if u, err := a.Authenticate(ctx, user, password, LoginOptions{}); err != nil || u.Name != user {
		b.Fatalf("login: %v", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) != nil {
		b.Fatal("bcrypt floor disagrees")
	}
	b.Run("bcrypt-floor", func(b *testing.B) {
		timed(b, func() error { return bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) })
	})
	b.Run("authenticate", func(b *testing.B) {
		timed(b, func() error { _, err := a.Authenticate(ctx, user, password, LoginOptions{}); return err })
	})
	refused := func(login, pw string) func() error {
		return func() error {
			if _, err := a.Authenticate(ctx, login, pw, LoginOptions{}); !errors.Is(err, ErrInvalidCredentials) {
				return err
			}
			return nil
		}
	}
	// Failed logins block a user after testFailureLimit of them, so the
	// wrong-password row spreads its attempts over fresh users, made
	// before timing.
	b.Run("wrong-password", func(b *testing.B) {
		users := make([]string, b.N/(testFailureLimit-1)+1)
		for i := range users {
			users[i] = benchUser(b)
		}
		samples := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if err := refused(users[i/(testFailureLimit-1)], "Wrong-passw0rd")(); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(t0))
		}
		b.StopTimer()
		reportPercentiles(b, samples)
	})
	b.Run("unknown-user", func(b *testing.B) {
		timed(b, refused("nobody-"+newID()[:6], "Wrong-passw0rd"))
	})
}

func mustUserB(b *testing.B, name string) *iamv1beta1.User {
	b.Helper()
	u := &iamv1beta1.User{}
	if err := env.Client.Get(b.Context(), client.ObjectKey{Name: name}, u); err != nil {
		b.Fatal(err)
	}
	return u
}
