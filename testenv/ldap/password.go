package ldap

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
)

// hashSSHA returns password in the {SSHA} scheme (RFC 2307 style, as slapd
// and slappasswd write it): SHA-1 of the password and an 8-byte random
// salt, then the salt, base64-encoded. slapd checks it on simple bind.
func hashSSHA(password string) (string, error) {
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("generate a salt: %w", err)
	}
	h := sha1.New()
	h.Write([]byte(password))
	h.Write(salt)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(h.Sum(nil), salt...)), nil
}
