package storage_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// admissionScenario is issue 12's scale: 10,000 namespaces in 500
// workspaces and 200 Accessors over 50 classes, four kinds of Accessor in
// turn: grants (workspaces and projects by label, as GrantClass writes
// them), tiers (a label and the namespace phase), deny lists (200 project
// names NotIn) and workspace plans (a workspace label).
type admissionScenario struct {
	accessors  []storagev1alpha1.Accessor // sorted by name, as a List returns them
	namespaces []*corev1.Namespace
	workspaces map[string]*metav1.ObjectMeta
	requests   []admissionRequest
}

type admissionRequest struct {
	class string
	ns    *corev1.Namespace
	ws    *metav1.ObjectMeta
}

func newAdmissionScenario() *admissionScenario {
	const (
		namespaces = 10_000
		workspaces = 500
		classes    = 50
		accessors  = 200
		requests   = 10_000
	)
	r := rand.New(rand.NewPCG(12, 12))
	s := &admissionScenario{workspaces: map[string]*metav1.ObjectMeta{}}
	for i := range workspaces {
		plan := "free"
		if i%3 == 0 {
			plan = "paid"
		}
		n := fmt.Sprintf("ws-%03d", i)
		s.workspaces[n] = &metav1.ObjectMeta{Name: n, Labels: map[string]string{"plan": plan}}
	}
	for i := range namespaces {
		n := fmt.Sprintf("proj-%05d", i)
		tier := []string{"gold", "silver", "bronze"}[i%3]
		s.namespaces = append(s.namespaces, &corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{
				corev1.LabelMetadataName: n, tenantv1beta1.WorkspaceLabel: fmt.Sprintf("ws-%03d", i%workspaces), "tier": tier}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		})
	}
	someNames := func(prefix string, n, of int) []string {
		out := make([]string, 0, n)
		for range n {
			out = append(out, fmt.Sprintf(prefix, r.IntN(of)))
		}
		return out
	}
	for i := range accessors {
		a := storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("accessor-%03d", i)},
			Spec: storagev1alpha1.AccessorSpec{StorageClassName: fmt.Sprintf("class-%02d", i%classes)}}
		switch i % 4 {
		case 0:
			a.Spec.NamespaceSelector.LabelSelector = []storagev1alpha1.LabelRule{
				labelRule(lbl(tenantv1beta1.WorkspaceLabel, storagev1alpha1.In, someNames("ws-%03d", 100, workspaces)...)),
				labelRule(lbl(corev1.LabelMetadataName, storagev1alpha1.In, someNames("proj-%05d", 500, namespaces)...)),
			}
		case 1:
			a.Spec.NamespaceSelector.LabelSelector = []storagev1alpha1.LabelRule{labelRule(lbl("tier", storagev1alpha1.In, "gold", "silver"))}
			a.Spec.NamespaceSelector.FieldSelector = []storagev1alpha1.FieldRule{fieldRule(fld(storagev1alpha1.FieldStatus, storagev1alpha1.NotIn, "Terminating"))}
		case 2:
			a.Spec.NamespaceSelector.FieldSelector = []storagev1alpha1.FieldRule{fieldRule(fld(storagev1alpha1.FieldName, storagev1alpha1.NotIn, someNames("proj-%05d", 200, namespaces)...))}
		case 3:
			a.Spec.WorkspaceSelector.LabelSelector = []storagev1alpha1.LabelRule{labelRule(lbl("plan", storagev1alpha1.In, "paid"))}
		}
		s.accessors = append(s.accessors, a)
	}
	slices.SortFunc(s.accessors, func(a, b storagev1alpha1.Accessor) int { return strings.Compare(a.Name, b.Name) })
	for range requests {
		ns := s.namespaces[r.IntN(len(s.namespaces))]
		s.requests = append(s.requests, admissionRequest{
			class: fmt.Sprintf("class-%02d", r.IntN(classes+10)), // some classes have no accessor
			ns:    ns, ws: s.workspaces[ns.Labels[tenantv1beta1.WorkspaceLabel]],
		})
	}
	return s
}

// plainLoop is the anchor: every Accessor, in name order, checked with
// CheckAccessor when it is of the class, as storageclass-accessor does.
func plainLoop(accessors []storagev1alpha1.Accessor, req admissionRequest) error {
	for i := range accessors {
		if accessors[i].Spec.StorageClassName != req.class {
			continue
		}
		if err := storage.CheckAccessor(&accessors[i], req.ns, req.ws); err != nil {
			return err
		}
	}
	return nil
}

// TestAdmissionScenarioAgrees is the benchmark's precondition at full
// scale: the index and the plain loop refuse the same requests with the
// same words, and both admit and refuse some.
func TestAdmissionScenarioAgrees(t *testing.T) {
	s := newAdmissionScenario()
	x := storage.NewAccessorIndex(s.accessors)
	var admitted, denied int
	for _, req := range s.requests {
		want, got := plainLoop(s.accessors, req), x.Check(req.class, req.ns, req.ws)
		if (want == nil) != (got == nil) || (want != nil && want.Error() != got.Error()) {
			t.Fatalf("%s in %s: plain loop %v, index %v", req.class, req.ns.Name, want, got)
		}
		if got == nil {
			admitted++
		} else {
			denied++
		}
	}
	if admitted == 0 || denied == 0 {
		t.Fatalf("a scenario that only admits or only refuses (%d admitted, %d denied)", admitted, denied)
	}
}

// BenchmarkAdmissionDecision times one admission decision (a claim of a
// class in a namespace) at 10,000 namespaces x 200 Accessors, the index
// beside the plain loop over all Accessors, and reports each decision's
// p50 and p99 latency:
//
//	go test ./storage -run '^$' -bench AdmissionDecision
func BenchmarkAdmissionDecision(b *testing.B) {
	s := newAdmissionScenario()
	x := storage.NewAccessorIndex(s.accessors)
	for _, req := range s.requests {
		want, got := plainLoop(s.accessors, req), x.Check(req.class, req.ns, req.ws)
		if (want == nil) != (got == nil) || (want != nil && want.Error() != got.Error()) {
			b.Fatalf("%s in %s: plain loop %v, index %v", req.class, req.ns.Name, want, got)
		}
	}
	for _, row := range []struct {
		name   string
		decide func(admissionRequest) error
	}{
		{"plain-loop", func(req admissionRequest) error { return plainLoop(s.accessors, req) }},
		{"index", func(req admissionRequest) error { return x.Check(req.class, req.ns, req.ws) }},
	} {
		b.Run(row.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, min(b.N, 1_000_000))
			b.ResetTimer()
			for i := range b.N {
				req := s.requests[i%len(s.requests)]
				start := time.Now()
				_ = row.decide(req)
				if len(lat) < cap(lat) {
					lat = append(lat, time.Since(start))
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
			}
		})
	}
}
