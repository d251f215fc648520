package storage_test

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// byteSource turns fuzz input into choices; it yields zeros when spent.
type byteSource struct{ b []byte }

func (s *byteSource) pick(n int) int {
	if len(s.b) == 0 {
		return 0
	}
	v := int(s.b[0])
	s.b = s.b[1:]
	return v % n
}

func pickFrom[T any](s *byteSource, from []T) T { return from[s.pick(len(from))] }

var (
	fuzzKeys   = []string{"a", "b", "kubesphere.io/workspace"}
	fuzzValues = []string{"1", "2", "*", "n1", "w1", "Active", "Terminating", ""}
	fuzzOps    = []storagev1alpha1.Operator{storagev1alpha1.In, storagev1alpha1.NotIn, "Exists"}
	fuzzFields = []storagev1alpha1.Field{storagev1alpha1.FieldName, storagev1alpha1.FieldStatus, "Labels"}
)

func fuzzValueList(s *byteSource) []string {
	n := s.pick(4)
	var out []string
	for range n {
		out = append(out, pickFrom(s, fuzzValues))
	}
	return out
}

func fuzzSelector(s *byteSource) storagev1alpha1.AccessorSelector {
	var sel storagev1alpha1.AccessorSelector
	for range s.pick(3) {
		var r storagev1alpha1.LabelRule
		for range s.pick(3) {
			r.MatchExpressions = append(r.MatchExpressions, storagev1alpha1.LabelExpression{Key: pickFrom(s, fuzzKeys), Operator: pickFrom(s, fuzzOps), Values: fuzzValueList(s)})
		}
		sel.LabelSelector = append(sel.LabelSelector, r)
	}
	for range s.pick(3) {
		var r storagev1alpha1.FieldRule
		for range s.pick(3) {
			r.FieldExpressions = append(r.FieldExpressions, storagev1alpha1.FieldExpression{Field: pickFrom(s, fuzzFields), Operator: pickFrom(s, fuzzOps), Values: fuzzValueList(s)})
		}
		sel.FieldSelector = append(sel.FieldSelector, r)
	}
	return sel
}

func fuzzLabels(s *byteSource) map[string]string {
	l := map[string]string{}
	for range s.pick(3) {
		l[pickFrom(s, fuzzKeys)] = pickFrom(s, fuzzValues)
	}
	return l
}

// FuzzCheckAccessor checks, for Accessors, namespaces and workspaces built
// from the input over a small alphabet (so values collide), that the index
// and CheckAccessor give the same answer for every class, worded the same,
// and that a refusal names a selector.
func FuzzCheckAccessor(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 1, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("accessors of storage classes, namespaces and workspaces"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &byteSource{b: data}
		classes := []string{"gold", "silver"}
		var accessors []storagev1alpha1.Accessor
		for i := range s.pick(4) + 1 {
			accessors = append(accessors, storagev1alpha1.Accessor{
				ObjectMeta: metav1.ObjectMeta{Name: string(rune('a' + i))},
				Spec: storagev1alpha1.AccessorSpec{StorageClassName: pickFrom(s, classes),
					NamespaceSelector: fuzzSelector(s), WorkspaceSelector: fuzzSelector(s)},
			})
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: pickFrom(s, []string{"n1", "n2"}), Labels: fuzzLabels(s)},
			Status: corev1.NamespaceStatus{Phase: pickFrom(s, []corev1.NamespacePhase{corev1.NamespaceActive, corev1.NamespaceTerminating})}}
		var ws *metav1.ObjectMeta
		if s.pick(2) == 1 {
			ws = &metav1.ObjectMeta{Name: pickFrom(s, []string{"w1", "w2"}), Labels: fuzzLabels(s)}
		}
		x := storage.NewAccessorIndex(accessors)
		for _, class := range classes {
			var want error
			for i := range accessors {
				if accessors[i].Spec.StorageClassName != class {
					continue
				}
				if err := storage.CheckAccessor(&accessors[i], ns, ws); err != nil {
					want = err
					break
				}
			}
			got := x.Check(class, ns, ws)
			if (want == nil) != (got == nil) || (want != nil && want.Error() != got.Error()) {
				t.Fatalf("class %s: plain loop says %v, index says %v", class, want, got)
			}
			var d *storage.AccessDeniedError
			if errors.As(got, &d) && d.Field == "" {
				t.Fatalf("a refusal without a field: %v", d)
			}
		}
	})
}
