package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// forEachObject calls fn for each item of list.
func forEachObject(list client.ObjectList, fn func(client.Object) error) error {
	return meta.EachListItem(list, func(o runtime.Object) error {
		return fn(o.(client.Object))
	})
}

func labelSet(l map[string]string) labels.Set { return labels.Set(l) }
