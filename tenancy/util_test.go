package tenancy_test

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func metaItems(list client.ObjectList) ([]runtime.Object, error) { return meta.ExtractList(list) }

func inNamespace(ns string) client.InNamespace { return client.InNamespace(ns) }

func isAlreadyExists(err error) bool { return apierrors.IsAlreadyExists(err) }
