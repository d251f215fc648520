package v1beta1

import "strings"

// PasswordProblem returns why password is not strong enough for a User, or
// "" when it is: 8 to 64 characters with a lower-case letter, an upper-case
// letter and a digit. The User CRD enforces the same rule for plain
// passwords.
func PasswordProblem(password string) string {
	switch {
	case len(password) < 8 || len(password) > 64:
		return "must be 8 to 64 characters"
	case !strings.ContainsAny(password, "abcdefghijklmnopqrstuvwxyz"):
		return "must contain a lower-case letter"
	case !strings.ContainsAny(password, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
		return "must contain an upper-case letter"
	case !strings.ContainsAny(password, "0123456789"):
		return "must contain a digit"
	}
	return ""
}
