package apply

import (
	"testing"
)

func TestContains(t *testing.T) {
	tests := []struct {
		name       string
		have, want any
		ok         bool
	}{
		{"equal scalars", "a", "a", true},
		{"different scalars", "a", "b", false},
		{"extra keys in have", map[string]any{"a": int64(1), "b": "x"}, map[string]any{"a": int64(1)}, true},
		{"missing key", map[string]any{"b": "x"}, map[string]any{"a": int64(1)}, false},
		{"empty map wanted, absent", map[string]any{}, map[string]any{"labels": map[string]any{}}, true},
		{"nested difference", map[string]any{"m": map[string]any{"a": "1"}}, map[string]any{"m": map[string]any{"a": "2"}}, false},
		{"same lists", []any{"a", "b"}, []any{"a", "b"}, true},
		{"list order matters", []any{"b", "a"}, []any{"a", "b"}, false},
		{"longer list", []any{"a", "b"}, []any{"a"}, false},
		{"empty list wanted, absent", nil, []any{}, true},
		{"list items contain", []any{map[string]any{"kind": "User", "name": "a", "x": "y"}}, []any{map[string]any{"kind": "User", "name": "a"}}, true},
		{"type mismatch", "a", map[string]any{}, false},
	}
	for _, tt := range tests {
		if got := Contains(tt.have, tt.want); got != tt.ok {
			t.Errorf("%s: Contains = %v, want %v", tt.name, got, tt.ok)
		}
	}
}
