package ensure

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name    string
		have    map[string]any
		want    map[string]any
		next    map[string]any
		changed bool
	}{
		{
			name:    "same content writes nothing",
			have:    map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "1", "other": "kept"}}, "rules": []any{"r1"}},
			want:    map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "1"}}, "rules": []any{"r1"}},
			next:    map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "1", "other": "kept"}}, "rules": []any{"r1"}},
			changed: false,
		},
		{
			name:    "top-level fields are replaced, so removals take effect",
			have:    map[string]any{"metadata": map[string]any{"name": "a"}, "spec": map[string]any{"hard": map[string]any{"cpu": "1", "pods": "2"}}},
			want:    map[string]any{"metadata": map[string]any{"name": "a"}, "spec": map[string]any{"hard": map[string]any{"pods": "3"}}},
			next:    map[string]any{"metadata": map[string]any{"name": "a"}, "spec": map[string]any{"hard": map[string]any{"pods": "3"}}},
			changed: true,
		},
		{
			name:    "labels merged key by key, owner references added",
			have:    map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "1"}, "ownerReferences": []any{map[string]any{"uid": "u1"}}}},
			want:    map[string]any{"metadata": map[string]any{"labels": map[string]any{"b": "2"}, "ownerReferences": []any{map[string]any{"uid": "u2"}}}},
			next:    map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "1", "b": "2"}, "ownerReferences": []any{map[string]any{"uid": "u1"}, map[string]any{"uid": "u2"}}}},
			changed: true,
		},
		{
			name:    "empty wanted list matches an absent one",
			have:    map[string]any{"metadata": map[string]any{}},
			want:    map[string]any{"metadata": map[string]any{}, "rules": []any{}},
			next:    map[string]any{"metadata": map[string]any{}},
			changed: false,
		},
		{
			name:    "status is never written",
			have:    map[string]any{"metadata": map[string]any{}, "status": map[string]any{"used": "1"}},
			want:    map[string]any{"metadata": map[string]any{}, "status": map[string]any{"used": "2"}},
			next:    map[string]any{"metadata": map[string]any{}, "status": map[string]any{"used": "1"}},
			changed: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, changed := Merge(tt.have, tt.want)
			if changed != tt.changed {
				t.Errorf("changed = %v, want %v", changed, tt.changed)
			}
			if d := cmp.Diff(tt.next, next); d != "" {
				t.Errorf("merged (-want +got):\n%s", d)
			}
		})
	}
}
