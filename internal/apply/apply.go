// Package apply sends typed Kubernetes objects as server-side apply requests,
// so controllers and clients can describe desired state with the API types
// they already use and still get SSA's field ownership.
package apply

import (
	"context"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Object applies obj (a typed object of a kind c's scheme knows) with
// fieldOwner as the field manager, taking ownership of conflicting fields.
// Only the fields set in obj are claimed: zero-valued optional fields are
// left out of the request, and so is status.
//
// When the object c reads (from a controller's cache, typically) already
// holds every field obj sets, with the same values, no request is sent: a
// reconciler that applies on every pass writes only when something changed.
// Field ownership is then left as it is.
func Object(ctx context.Context, c client.Client, obj client.Object, fieldOwner string) error {
	gvk, err := c.GroupVersionKindFor(obj)
	if err != nil {
		return fmt.Errorf("apply %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
	}
	desired, err := content(obj)
	if err != nil {
		return fmt.Errorf("apply %s %s: %w", gvk.Kind, client.ObjectKeyFromObject(obj), err)
	}
	existing, ok := obj.DeepCopyObject().(client.Object)
	if ok {
		err := c.Get(ctx, client.ObjectKeyFromObject(obj), existing)
		switch {
		case err == nil:
			if have, cerr := content(existing); cerr == nil && Contains(have, desired) {
				return nil
			}
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("apply %s %s: %w", gvk.Kind, client.ObjectKeyFromObject(obj), err)
		}
	}
	u := &unstructured.Unstructured{Object: desired}
	u.SetGroupVersionKind(gvk)
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply %s %s: %w", gvk.Kind, client.ObjectKeyFromObject(obj), err)
	}
	return nil
}

// content is obj as an unstructured map without the fields servers set.
func content(obj client.Object) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	unstructured.RemoveNestedField(m, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(m, "metadata", "managedFields")
	unstructured.RemoveNestedField(m, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(m, "status")
	delete(m, "apiVersion")
	delete(m, "kind")
	return m, nil
}

// Contains reports whether have holds every field want sets, with the same
// value. Maps may hold more keys than want; lists must have the same length
// and contain want's items in order.
func Contains(have, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok {
				if isEmpty(wv) {
					continue
				}
				return false
			}
			if !Contains(hv, wv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return len(w) == 0 && (have == nil || ok && len(h) == 0)
		}
		for i := range w {
			if !Contains(h[i], w[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(have, want)
	}
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
