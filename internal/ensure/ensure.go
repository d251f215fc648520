package ensure

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Object makes the object named by obj hold obj's content, with fieldOwner
// as the field manager:
//
//   - missing: it is created from obj;
//   - present: every top-level field obj sets besides metadata (spec, rules,
//     subjects, roleRef, ...) is replaced by obj's; obj's labels and
//     annotations are set key by key (others are kept); obj's owner
//     references are added; status is never written;
//   - already holding all that: nothing is sent.
//
// An update that conflicts (another writer, a controller writing status,
// changed the object since it was read) is read and merged again, a few
// times (retry.DefaultRetry). c's reads may come from a cache: a read that
// stays stale makes the create fail with AlreadyExists or the update with
// a conflict, both returned wrapped so a reconciler retries.
func Object(ctx context.Context, c client.Client, obj client.Object, fieldOwner string) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error { return object(ctx, c, obj, fieldOwner) })
}

func object(ctx context.Context, c client.Client, obj client.Object, fieldOwner string) error {
	key := client.ObjectKeyFromObject(obj)
	existing, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return fmt.Errorf("ensure %T %s: not a client.Object", obj, key)
	}
	err := c.Get(ctx, key, existing)
	if apierrors.IsNotFound(err) {
		created := obj.DeepCopyObject().(client.Object)
		if err := c.Create(ctx, created, client.FieldOwner(fieldOwner)); err != nil {
			return fmt.Errorf("create %T %s: %w", obj, key, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get %T %s: %w", obj, key, err)
	}
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fmt.Errorf("ensure %T %s: %w", obj, key, err)
	}
	have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(existing)
	if err != nil {
		return fmt.Errorf("ensure %T %s: %w", obj, key, err)
	}
	next, changed := Merge(have, want)
	if !changed {
		return nil
	}
	updated := obj.DeepCopyObject().(client.Object)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(next, updated); err != nil {
		return fmt.Errorf("ensure %T %s: %w", obj, key, err)
	}
	if err := c.Update(ctx, updated, client.FieldOwner(fieldOwner)); err != nil {
		return fmt.Errorf("update %T %s: %w", obj, key, err)
	}
	return nil
}

// Merge returns have brought in line with want as Object describes, and
// whether that changed anything.
func Merge(have, want map[string]any) (map[string]any, bool) {
	next := runtime.DeepCopyJSON(have)
	changed := false
	for k, w := range want {
		switch k {
		case "apiVersion", "kind", "status":
			continue
		case "metadata":
			if mergeMetadata(next, w) {
				changed = true
			}
		default:
			if isEmpty(w) && isEmpty(next[k]) {
				continue
			}
			if !reflect.DeepEqual(next[k], w) {
				next[k] = runtime.DeepCopyJSONValue(w)
				changed = true
			}
		}
	}
	return next, changed
}

func mergeMetadata(next map[string]any, want any) bool {
	wm, _ := want.(map[string]any)
	meta, _ := next["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		next["metadata"] = meta
	}
	changed := false
	for _, field := range []string{"labels", "annotations"} {
		w, _ := wm[field].(map[string]any)
		if len(w) == 0 {
			continue
		}
		h, _ := meta[field].(map[string]any)
		merged := maps.Clone(h)
		if merged == nil {
			merged = map[string]any{}
		}
		for k, v := range w {
			if merged[k] != v {
				merged[k] = v
				changed = true
			}
		}
		meta[field] = merged
	}
	if w, _ := wm["ownerReferences"].([]any); len(w) > 0 {
		h, _ := meta["ownerReferences"].([]any)
		for _, ref := range w {
			uid := ref.(map[string]any)["uid"]
			found := false
			for _, e := range h {
				if e.(map[string]any)["uid"] == uid {
					found = true
					break
				}
			}
			if !found {
				h = append(h, runtime.DeepCopyJSONValue(ref))
				changed = true
			}
		}
		meta["ownerReferences"] = h
	}
	return changed
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
