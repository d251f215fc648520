package authn

import (
	"encoding/base64"
	"testing"
	"time"
)

// FuzzParseToken feeds arbitrary input to the token parser and validation:
// no panic, and nothing but a token the key set signed is accepted.
func FuzzParseToken(f *testing.F) {
	k, err := GenerateSigningKey()
	if err != nil {
		f.Fatal(err)
	}
	ks, err := NewKeySet(k)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	good, err := ks.sign(&Claims{TokenType: AccessToken, Username: "u", SessionID: "s"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"`+k.ID+`"}`)) + ".e30.AAAA")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ks.parse(raw)
		if err != nil {
			return
		}
		// Only what the key signed verifies: any accepted input carries
		// the signed claims.
		if c.Username != "u" || c.SessionID != "s" || c.TokenType != AccessToken {
			t.Fatalf("accepted claims that were never signed: %+v from %q", c, raw)
		}
		_ = validate(c, "https://issuer.example", []string{"kubesphere"}, AccessToken, now, time.Second)
	})
}
