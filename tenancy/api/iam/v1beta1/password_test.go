package v1beta1

import "testing"

// FuzzPasswordProblem checks the Go rule against the rule the User CRD
// enforces, restated here: 8 to 64 bytes with a lower-case letter, an
// upper-case letter and a digit.
func FuzzPasswordProblem(f *testing.F) {
	for _, s := range []string{"Passw0rd", "", "aaaaaaaa", "A1a", "Ü1aÜ1aÜ1a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var lower, upper, digit bool
		for _, r := range s {
			switch {
			case r >= 'a' && r <= 'z':
				lower = true
			case r >= 'A' && r <= 'Z':
				upper = true
			case r >= '0' && r <= '9':
				digit = true
			}
		}
		want := len(s) >= 8 && len(s) <= 64 && lower && upper && digit
		if got := PasswordProblem(s) == ""; got != want {
			t.Fatalf("PasswordProblem(%q) ok=%v, want %v", s, got, want)
		}
	})
}
