package tenancy_test

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func metaItems(list client.ObjectList) ([]runtime.Object, error) { return meta.ExtractList(list) }

func inNamespace(ns string) client.InNamespace { return client.InNamespace(ns) }
