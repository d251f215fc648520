package testenv

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestLabelValue(t *testing.T) {
	tests := map[string]string{
		"TestFoo":                 "TestFoo",
		"TestFoo/sub_case#01":     "TestFoo_sub_case_01",
		"/leading-and-trailing/_": "leading-and-trailing",
		strings.Repeat("a", 100):  strings.Repeat("a", 63),
		"___":                     "",
	}
	for in, want := range tests {
		assert.Equal(t, want, labelValue(in), "labelValue(%q)", in)
	}
}

// FuzzLabelValue checks that any test name becomes a valid label value.
func FuzzLabelValue(f *testing.F) {
	for _, s := range []string{"TestX/a b", "", "-", "é/ü", strings.Repeat("x/", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := labelValue(s)
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Fatalf("labelValue(%q) = %q: %v", s, v, errs)
		}
	})
}
