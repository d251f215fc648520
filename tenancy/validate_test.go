package tenancy

import (
	"errors"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		password string
		ok       bool
	}{
		{"Passw0rd", true},
		{"Ab1Ab1Ab1", true},
		{"short1A", false},
		{"alllowercase1", false},
		{"ALLUPPERCASE1", false},
		{"NoDigitsHere", false},
		{"Ab1" + string(make([]byte, 62)), false},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.password)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", tt.password, err, tt.ok)
		}
		var ie *InvalidError
		if err != nil && (!errors.As(err, &ie) || ie.Field != "password") {
			t.Errorf("CheckPassword(%q): want an *InvalidError on password, got %v", tt.password, err)
		}
	}
}

// FuzzCheckPassword checks the Go rule agrees with the rule the User CRD
// enforces, restated here: 8 to 64 bytes with a lower-case letter, an
// upper-case letter and a digit.
func FuzzCheckPassword(f *testing.F) {
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
		if got := CheckPassword(s) == nil; got != want {
			t.Fatalf("CheckPassword(%q) ok=%v, want %v", s, got, want)
		}
	})
}
