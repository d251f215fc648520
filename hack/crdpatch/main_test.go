package main

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// TestMarshalSortedOrdersKeysBytewise checks the property that made the
// generate check flaky: go-yaml's natural key order has a cycle for
// load1m, load5m and load15m, so those must come out bytewise sorted,
// whatever the map's iteration order.
func TestMarshalSortedOrdersKeysBytewise(t *testing.T) {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	crd.Name = "things.example.com"
	crd.Spec.Versions = []apiextensionsv1.CustomResourceDefinitionVersion{{
		Name: "v1",
		Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"load5m": {Type: "number"}, "load1m": {Type: "number"}, "load15m": {Type: "number"},
				"enabled": {Type: "string", Enum: []apiextensionsv1.JSON{{Raw: []byte(`"true"`)}}},
			},
		}},
	}}
	first, err := marshalSorted(crd)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := marshalSorted(crd)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(first) {
			t.Fatalf("output differs between runs:\n%s\n---\n%s", first, again)
		}
	}
	out := string(first)
	want := []string{"enabled:", "load15m:", "load1m:", "load5m:"}
	last := -1
	for _, key := range want {
		i := strings.Index(out, key)
		if i <= last {
			t.Fatalf("%s is not after the keys before it in:\n%s", key, out)
		}
		last = i
	}
	if !strings.Contains(out, `- "true"`) {
		t.Errorf("the string enum value \"true\" is not quoted:\n%s", out)
	}
	if strings.Contains(out, "status:") {
		t.Errorf("the empty status was written:\n%s", out)
	}
}
