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
