package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// The fuzz targets feed forged and partial admission input to the user
// webhook. It runs over the controller-runtime fake client, seeded with a
// user, its claim and a claim in flight, so the decisions are exercised as
// pure logic; the fake client models none of the API server's admission,
// and the tests assert nothing about it. Whatever the input, the webhook
// must not panic and must answer: allowed, denied, or a 4xx error, never a
// 5xx, which would blame the server for a malformed request.

// fuzzSeedObjects are the objects each fuzz run starts from.
func fuzzSeedObjects() []client.Object {
	return []client.Object{
		testUser("alice", "u-alice", "5", "alice@example.com"),
		testClaim("alice@example.com", "alice", "u-alice", "", testNow.Add(-time.Hour), false),
		testClaim("pending@example.com", "carol", "u-carol", "", testNow.Add(-time.Second), false),
	}
}

// checkResponse fails unless resp is an answer a malformed request may get.
func checkResponse(t *testing.T, resp admissionv1.AdmissionResponse) {
	t.Helper()
	if resp.Allowed {
		return
	}
	if resp.Result == nil {
		t.Fatalf("refused without a status: %+v", resp)
	}
	if code := resp.Result.Code; code < 400 || code > 499 {
		t.Fatalf("refused with status %d, want 4xx: %s", code, resp.Result.Message)
	}
}

func seedRaw(f *testing.F, obj any) []byte {
	b, err := json.Marshal(obj)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzUserAdmissionRequest hands the validator admission.Requests with
// arbitrary objects.
func FuzzUserAdmissionRequest(f *testing.F) {
	alice := testUser("alice", "u-alice", "5", "alice@example.com")
	bob := testUser("bob", "u-bob", "", "ALICE@example.com")
	renamed := alice.DeepCopy()
	renamed.Spec.Email = "pending@example.com"
	for _, seed := range []struct {
		op       string
		obj, old []byte
		dryRun   bool
	}{
		{"CREATE", seedRaw(f, bob), nil, false},
		{"CREATE", seedRaw(f, testUser("dave", "u-dave", "", "dave@example.com")), nil, true},
		{"UPDATE", seedRaw(f, renamed), seedRaw(f, alice), false},
		{"UPDATE", seedRaw(f, alice), seedRaw(f, alice), false},
		{"DELETE", nil, seedRaw(f, alice), false},
		{"CREATE", []byte(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","metadata":{"name":"x"},"spec":{}}`), nil, false},
		{"CREATE", []byte(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","metadata":{"name":"x","deletionTimestamp":"2030-01-01T00:00:00Z"},"spec":{"email":"alice@example.com"}}`), nil, false},
		{"CREATE", []byte(`null`), nil, false},
		{"UPDATE", []byte(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","metadata":{"name":"x"}}`), []byte(`[]`), false},
		{"CONNECT", []byte(`{}`), nil, false},
		{"", nil, nil, false},
	} {
		f.Add(seed.op, seed.obj, seed.old, seed.dryRun)
	}
	f.Fuzz(func(t *testing.T, op string, obj, old []byte, dryRun bool) {
		v, _ := newTestValidator(t, fuzzSeedObjects()...)
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			Operation: admissionv1.Operation(op),
			Object:    runtime.RawExtension{Raw: obj},
			OldObject: runtime.RawExtension{Raw: old},
			DryRun:    ptr.To(dryRun),
		}}
		checkResponse(t, v.Handle(context.Background(), req).AdmissionResponse)
	})
}

// FuzzUserAdmissionReview posts arbitrary AdmissionReview bodies to the
// webhook as the API server would, through controller-runtime's decoding,
// with panics not recovered so the fuzzer sees them.
func FuzzUserAdmissionReview(f *testing.F) {
	review := func(op string, obj, old any) []byte {
		ar := map[string]any{
			"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
			"request": map[string]any{
				"uid": "1", "operation": op,
				"kind":     map[string]string{"group": "iam.kubesphere.io", "version": "v1beta1", "kind": "User"},
				"resource": map[string]string{"group": "iam.kubesphere.io", "version": "v1beta1", "resource": "users"},
				"object":   obj, "oldObject": old,
			},
		}
		return seedRaw(f, ar)
	}
	alice := testUser("alice", "u-alice", "5", "alice@example.com")
	f.Add(review("CREATE", testUser("bob", "u-bob", "", "alice@example.com"), nil))
	f.Add(review("CREATE", testUser("dave", "u-dave", "", "dave@example.com"), nil))
	f.Add(review("UPDATE", alice, alice))
	f.Add(review("DELETE", nil, alice))
	f.Add(review("CREATE", nil, nil))
	f.Add(review("CREATE", "a string", nil))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"operation":"CREATE","object":{"kind":"User"}}}`))
	f.Add([]byte(`{"request":{}}`))
	f.Add([]byte(`{`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, _ := newTestValidator(t, fuzzSeedObjects()...)
		wh := &webhook.Admission{
			Handler:        v,
			RecoverPanic:   ptr.To(false),
			LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() },
		}
		r := httptest.NewRequest(http.MethodPost, UserPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		wh.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("HTTP status %d", w.Code)
		}
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not an AdmissionReview: %v: %s", err, w.Body.Bytes())
		}
		if out.Response == nil {
			t.Fatalf("answer without a response: %s", w.Body.Bytes())
		}
		checkResponse(t, *out.Response)
	})
}
