package gateways

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/labels"
)

func TestSelectorCache(t *testing.T) {
	sc := &selectorCache{}
	set := labels.Set{"env": "prod"}
	for _, tt := range []struct {
		selector string
		parses   bool
		matches  bool
	}{
		{"env=prod", true, true},
		{"env in (dev)", true, false},
		{"env in (prod", false, false},
		{"!env", true, false},
	} {
		for range 2 { // parsed, then from the cache
			sel := sc.parse(tt.selector)
			assert.Equal(t, tt.parses, sel != nil, tt.selector)
			if sel != nil {
				assert.Equal(t, tt.matches, sel.Matches(set), tt.selector)
			}
		}
	}
	assert.Len(t, sc.parsed, 4)

	for i := range maxCachedSelectors + 10 {
		sc.parse(fmt.Sprintf("k%d=v", i))
	}
	assert.LessOrEqual(t, len(sc.parsed), maxCachedSelectors, "bounded")
	assert.NotNil(t, sc.parse("env=prod"), "still parses after starting over")
}
