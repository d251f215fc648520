package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// forEachObject calls fn for each item of list.
func forEachObject(list client.ObjectList, fn func(client.Object) error) error {
	return meta.EachListItem(list, func(o runtime.Object) error {
		return fn(o.(client.Object))
	})
}

// removeFinalizer removes finalizer from obj (and the API server's copy)
// when obj carries it, with a merge patch on obj's resourceVersion.
func removeFinalizer(ctx context.Context, c client.Client, obj client.Object, finalizer string) error {
	if !controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	before := obj.DeepCopyObject().(client.Object)
	controllerutil.RemoveFinalizer(obj, finalizer)
	if err := c.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer %s from %s: %w", finalizer, obj.GetName(), err)
	}
	return nil
}
