package objdecode

import (
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// MaxDocument bounds one document: a bigger one is refused.
const MaxDocument = 4 << 20

// Decode returns the objects of r's documents, typed by s (which must know
// corev1.List to expand lists). Empty documents are skipped. A document
// that does not decode, or whose kind s does not know, is a
// *fielderr.Invalid naming the document (and list item).
func Decode(r io.Reader, s *runtime.Scheme) ([]runtime.Object, error) {
	decoder := serializer.NewCodecFactory(s).UniversalDeserializer()
	docs := utilyaml.NewYAMLOrJSONDecoder(r, MaxDocument)
	var out []runtime.Object
	for n := 1; ; n++ {
		var raw runtime.RawExtension
		if err := docs.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, &fielderr.Invalid{Field: fmt.Sprintf("document %d", n), Reason: err.Error()}
		}
		if len(strings.TrimSpace(string(raw.Raw))) == 0 || string(raw.Raw) == "null" {
			continue
		}
		obj, _, err := decoder.Decode(raw.Raw, nil, nil)
		if err != nil {
			return nil, &fielderr.Invalid{Field: fmt.Sprintf("document %d", n), Reason: err.Error()}
		}
		if list, ok := obj.(*corev1.List); ok {
			for i, item := range list.Items {
				o, _, err := decoder.Decode(item.Raw, nil, nil)
				if err != nil {
					return nil, &fielderr.Invalid{Field: fmt.Sprintf("document %d item %d", n, i), Reason: err.Error()}
				}
				out = append(out, o)
			}
			continue
		}
		out = append(out, obj)
	}
}
