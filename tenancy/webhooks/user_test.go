package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// These tests drive the user webhook's decisions with the controller-runtime
// fake client: pure logic, one request at a time. What the API server adds
// (admission before storage, concurrent requests, dry run) is tested against
// a real one in package tenancy (TestEmail*, TestDuplicateEmail*).

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testScheme knows the built-in kinds and iam's. It is built once: the
// fuzz targets build a fake client per input.
var testScheme = sync.OnceValues(func() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, iamv1beta1.AddToScheme(s)
})

// newTestValidator returns a validator over a fake client holding objs, its
// clock at testNow.
func newTestValidator(t testing.TB, objs ...client.Object) (*userValidator, client.Client) {
	t.Helper()
	scheme, err := testScheme()
	require.NoError(t, err)
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithIndex(&iamv1beta1.User{}, indexUserEmail, userEmailIndex).Build()
	v := newUserValidator(c, c, DefaultEmailClaimNamespace)
	v.now = func() time.Time { return testNow }
	return v, c
}

func testUser(name, uid, rv, email string) *iamv1beta1.User {
	return &iamv1beta1.User{
		TypeMeta:   metav1.TypeMeta{APIVersion: iamv1beta1.SchemeGroupVersion.String(), Kind: "User"},
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(uid), ResourceVersion: rv},
		Spec:       iamv1beta1.UserSpec{Email: email},
	}
}

// testClaim is a claim of email by holder, written at renewed with the
// claim's usual duration (none when released).
func testClaim(email, holder, uid, basedOn string, renewed time.Time, released bool) *coordinationv1.Lease {
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: DefaultEmailClaimNamespace, Name: EmailClaimName(email),
			Labels:      map[string]string{EmailClaimLabel: "true"},
			Annotations: map[string]string{EmailClaimAnnotation: email, claimUIDAnnotation: uid, claimResourceVersionAnnotation: basedOn},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: ptr.To(holder),
			RenewTime:      ptr.To(metav1.NewMicroTime(renewed)),
		},
	}
	if !released {
		l.Spec.LeaseDurationSeconds = ptr.To[int32](claimPendingSeconds)
	}
	return l
}

func raw(t testing.TB, obj any) runtime.RawExtension {
	t.Helper()
	if obj == nil {
		return runtime.RawExtension{}
	}
	b, err := json.Marshal(obj)
	require.NoError(t, err)
	return runtime.RawExtension{Raw: b}
}

func request(t testing.TB, op admissionv1.Operation, obj, old *iamv1beta1.User, dryRun bool) admission.Request {
	t.Helper()
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{Operation: op, DryRun: ptr.To(dryRun)}}
	if obj != nil {
		req.Object = raw(t, obj)
	}
	if old != nil {
		req.OldObject = raw(t, old)
	}
	return req
}

// getTestClaim returns the claim of email, or nil.
func getTestClaim(t testing.TB, c client.Client, email string) *coordinationv1.Lease {
	t.Helper()
	l := &coordinationv1.Lease{}
	err := c.Get(context.Background(), client.ObjectKey{Namespace: DefaultEmailClaimNamespace, Name: EmailClaimName(email)}, l)
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(t, err)
	return l
}

func TestEmailClaimName(t *testing.T) {
	a := EmailClaimName("Alice@Example.com")
	assert.Equal(t, a, EmailClaimName("alice@example.com"), "compared ignoring case")
	assert.NotEqual(t, a, EmailClaimName("alice@example.org"))
	assert.Regexp(t, `^user-email-[0-9a-f]{64}$`, a)
}

// TestUserCreateClaims covers a create with the address's claim in every
// state it can be found in.
func TestUserCreateClaims(t *testing.T) {
	const addr = "shared@example.com"
	recent, old := testNow.Add(-time.Second), testNow.Add(-2*claimPendingSeconds*time.Second)
	tests := []struct {
		name     string
		existing []client.Object
		email    string // of the new user; addr when empty
		// denied is a substring of the denial, or "" when admitted.
		denied string
	}{
		{name: "free address"},
		{
			name:     "held by a stored user",
			existing: []client.Object{testUser("alice", "u-alice", "5", addr), testClaim(addr, "alice", "u-alice", "", old, false)},
			denied:   `of user "alice"`,
		},
		{
			name:     "held in another letter case",
			existing: []client.Object{testUser("alice", "u-alice", "5", "Shared@Example.COM"), testClaim("Shared@Example.COM", "alice", "u-alice", "", old, false)},
			denied:   `of user "alice"`,
		},
		{
			name:     "released but the holder still has it",
			existing: []client.Object{testUser("alice", "u-alice", "5", addr), testClaim(addr, "alice", "u-alice", "", recent, true)},
			denied:   `of user "alice"`,
		},
		{
			name:     "holder's create in flight",
			existing: []client.Object{testClaim(addr, "alice", "u-alice", "", recent, false)},
			denied:   `being claimed by user "alice"`,
		},
		{
			name:     "holder's create refused long ago",
			existing: []client.Object{testClaim(addr, "alice", "u-alice", "", old, false)},
		},
		{
			name:     "holder deleted",
			existing: []client.Object{testClaim(addr, "alice", "u-alice", "", recent, true)},
		},
		{
			name:     "holder's change to the address in flight",
			existing: []client.Object{testUser("alice", "u-alice", "7", "alice@example.com"), testClaim(addr, "alice", "u-alice", "7", recent, false)},
			denied:   `being claimed by user "alice"`,
		},
		{
			name:     "holder changed to another address since",
			existing: []client.Object{testUser("alice", "u-alice", "8", "alice@example.com"), testClaim(addr, "alice", "u-alice", "7", recent, false)},
		},
		{
			name:     "holder is another user of the same name",
			existing: []client.Object{testUser("alice", "u-alice-2", "8", "alice@example.com"), testClaim(addr, "alice", "u-alice", "", recent, false)},
			denied:   `being claimed by user "alice"`,
		},
		{
			name: "holder being deleted",
			existing: []client.Object{
				func() client.Object {
					u := testUser("alice", "u-alice", "9", addr)
					u.DeletionTimestamp = ptr.To(metav1.NewTime(testNow))
					u.Finalizers = []string{"test"}
					return u
				}(),
				testClaim(addr, "alice", "u-alice", "", recent, true),
			},
		},
		{
			name:     "stored user without a claim",
			existing: []client.Object{testUser("legacy", "u-legacy", "3", "SHARED@example.com")},
			denied:   `of user "legacy"`,
		},
		{
			name:     "stale claim and a stored user without one",
			existing: []client.Object{testUser("legacy", "u-legacy", "3", addr), testClaim(addr, "alice", "u-alice", "", old, false)},
			denied:   `of user "legacy"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dryRun := range []bool{false, true} {
				v, c := newTestValidator(t, tt.existing...)
				before := getTestClaim(t, c, addr)
				bob := testUser("bob", "u-bob", "", addr)
				resp := v.Handle(context.Background(), request(t, admissionv1.Create, bob, nil, dryRun))
				after := getTestClaim(t, c, addr)
				if tt.denied != "" {
					require.False(t, resp.Allowed, "dry run %v", dryRun)
					assert.Equal(t, int32(http.StatusForbidden), resp.Result.Code)
					assert.Contains(t, resp.Result.Message, "spec.email: "+addr)
					assert.Contains(t, resp.Result.Message, tt.denied)
					assert.Equal(t, before, after, "the claim is left alone")
					continue
				}
				require.True(t, resp.Allowed, "dry run %v: %v", dryRun, resp.Result)
				if dryRun {
					assert.Equal(t, before, after, "a dry run writes nothing")
					continue
				}
				require.NotNil(t, after)
				assert.Equal(t, "bob", ptr.Deref(after.Spec.HolderIdentity, ""))
				assert.Equal(t, "u-bob", after.Annotations[claimUIDAnnotation])
				assert.Equal(t, addr, after.Annotations[EmailClaimAnnotation])
				assert.Equal(t, "true", after.Labels[EmailClaimLabel])
				assert.Equal(t, int32(claimPendingSeconds), ptr.Deref(after.Spec.LeaseDurationSeconds, 0))
				assert.True(t, after.Spec.RenewTime.Time.Equal(testNow))
				if before != nil {
					assert.Equal(t, ptr.Deref(before.Spec.LeaseTransitions, 0)+1, ptr.Deref(after.Spec.LeaseTransitions, 0))
				}
			}
		})
	}
}

// TestUserUpdateClaims covers a user's own writes.
func TestUserUpdateClaims(t *testing.T) {
	const addr = "alice@example.com"
	ctx := context.Background()
	stored := testUser("alice", "u-alice", "5", addr)
	claim := testClaim(addr, "alice", "u-alice", "", testNow.Add(-time.Hour), false)

	t.Run("same address writes nothing", func(t *testing.T) {
		v, c := newTestValidator(t, stored, claim)
		before := getTestClaim(t, c, addr)
		changed := stored.DeepCopy()
		changed.Spec.DisplayName = "Alice"
		resp := v.Handle(ctx, request(t, admissionv1.Update, changed, stored, false))
		require.True(t, resp.Allowed, "%v", resp.Result)
		assert.Equal(t, before, getTestClaim(t, c, addr))
	})

	t.Run("own address in another case", func(t *testing.T) {
		v, _ := newTestValidator(t, stored, claim)
		changed := stored.DeepCopy()
		changed.Spec.Email = "ALICE@example.com"
		resp := v.Handle(ctx, request(t, admissionv1.Update, changed, stored, false))
		assert.True(t, resp.Allowed, "%v", resp.Result)
	})

	t.Run("new address claimed, based on the stored version", func(t *testing.T) {
		v, c := newTestValidator(t, stored, claim)
		changed := stored.DeepCopy()
		changed.Spec.Email = "alice@example.org"
		resp := v.Handle(ctx, request(t, admissionv1.Update, changed, stored, false))
		require.True(t, resp.Allowed, "%v", resp.Result)
		got := getTestClaim(t, c, "alice@example.org")
		require.NotNil(t, got)
		assert.Equal(t, "alice", ptr.Deref(got.Spec.HolderIdentity, ""))
		assert.Equal(t, "5", got.Annotations[claimResourceVersionAnnotation])
		assert.NotNil(t, getTestClaim(t, c, addr), "the old claim stays until it is taken over")
	})

	t.Run("back to an address it still holds refreshes the claim", func(t *testing.T) {
		moved := testUser("alice", "u-alice", "6", "alice@example.org")
		v, c := newTestValidator(t, moved, claim)
		back := moved.DeepCopy()
		back.Spec.Email = addr
		resp := v.Handle(ctx, request(t, admissionv1.Update, back, moved, false))
		require.True(t, resp.Allowed, "%v", resp.Result)
		got := getTestClaim(t, c, addr)
		assert.Equal(t, "6", got.Annotations[claimResourceVersionAnnotation], "in flight until version 6 changes")
		assert.True(t, got.Spec.RenewTime.Time.Equal(testNow))
	})

	t.Run("taken address refused", func(t *testing.T) {
		bob := testUser("bob", "u-bob", "3", "bob@example.com")
		v, _ := newTestValidator(t, stored, claim, bob)
		changed := bob.DeepCopy()
		changed.Spec.Email = "Alice@Example.com"
		resp := v.Handle(ctx, request(t, admissionv1.Update, changed, bob, false))
		require.False(t, resp.Allowed)
		assert.Contains(t, resp.Result.Message, `spec.email: Alice@Example.com is the e-mail address of user "alice"`)
	})
}

// TestUserDeletionReleasesClaim covers the delete request and the removal
// of the last finalizer.
func TestUserDeletionReleasesClaim(t *testing.T) {
	const addr = "alice@example.com"
	ctx := context.Background()
	stored := testUser("alice", "u-alice", "5", addr)
	claim := testClaim(addr, "alice", "u-alice", "", testNow.Add(-time.Second), false)

	t.Run("delete", func(t *testing.T) {
		v, c := newTestValidator(t, stored, claim)
		resp := v.Handle(ctx, request(t, admissionv1.Delete, nil, stored, true))
		require.True(t, resp.Allowed)
		assert.NotNil(t, getTestClaim(t, c, addr).Spec.LeaseDurationSeconds, "a dry run writes nothing")

		resp = v.Handle(ctx, request(t, admissionv1.Delete, nil, stored, false))
		require.True(t, resp.Allowed)
		got := getTestClaim(t, c, addr)
		assert.Nil(t, got.Spec.LeaseDurationSeconds, "released")
		assert.Equal(t, "alice", ptr.Deref(got.Spec.HolderIdentity, ""))
	})

	t.Run("delete of another user of the same name", func(t *testing.T) {
		v, c := newTestValidator(t, stored, claim)
		resp := v.Handle(ctx, request(t, admissionv1.Delete, nil, testUser("alice", "u-other", "5", addr), false))
		require.True(t, resp.Allowed)
		assert.NotNil(t, getTestClaim(t, c, addr).Spec.LeaseDurationSeconds)
	})

	t.Run("last finalizer removed", func(t *testing.T) {
		terminating := stored.DeepCopy()
		terminating.DeletionTimestamp = ptr.To(metav1.NewTime(testNow))
		terminating.Finalizers = []string{"test"}
		v, c := newTestValidator(t, terminating, claim)
		done := terminating.DeepCopy()
		done.Finalizers = nil
		resp := v.Handle(ctx, request(t, admissionv1.Update, done, terminating, false))
		require.True(t, resp.Allowed)
		assert.Nil(t, getTestClaim(t, c, addr), "claim deleted")
	})
}

// TestUserMalformedRequests checks that what is not a well-formed user
// request is answered 400, naming what is wrong.
func TestUserMalformedRequests(t *testing.T) {
	good := testUser("alice", "u-alice", "5", "alice@example.com")
	rawOf := func(s string) runtime.RawExtension { return runtime.RawExtension{Raw: []byte(s)} }
	tests := []struct {
		name string
		req  admissionv1.AdmissionRequest
		want string
	}{
		{name: "no object", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create}, want: "object: admission request carries no object"},
		{name: "not JSON", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: rawOf("{")}, want: "object: decode object"},
		{name: "null", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: rawOf("null")}, want: "not a User"},
		{name: "wrong kind", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: rawOf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}`)}, want: `apiVersion "v1" kind "Secret"`},
		{name: "wrong field type", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: rawOf(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","spec":{"email":7}}`)}, want: "decode object"},
		{name: "no name", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: rawOf(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","spec":{"email":"a@b.c"}}`)}, want: "metadata.name is empty"},
		{name: "bad name", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: rawOf(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"User","metadata":{"name":"a/b"}}`)}, want: "metadata.name"},
		{name: "update without old object", req: admissionv1.AdmissionRequest{Operation: admissionv1.Update, Object: raw(t, good)}, want: "oldObject: admission request carries no object"},
		{name: "update of another user", req: admissionv1.AdmissionRequest{Operation: admissionv1.Update, Object: raw(t, good), OldObject: raw(t, testUser("bob", "u", "1", "b@b.c"))}, want: "different users"},
		{name: "delete without old object", req: admissionv1.AdmissionRequest{Operation: admissionv1.Delete}, want: "oldObject"},
		{name: "no operation", req: admissionv1.AdmissionRequest{Object: raw(t, good)}, want: "unsupported operation"},
		{name: "address too long", req: admissionv1.AdmissionRequest{Operation: admissionv1.Create, Object: raw(t, testUser("alice", "u", "", string(make([]byte, 300))))}, want: "longer than 254"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newTestValidator(t)
			resp := v.Handle(context.Background(), admission.Request{AdmissionRequest: tt.req})
			require.False(t, resp.Allowed)
			assert.Equal(t, int32(http.StatusBadRequest), resp.Result.Code)
			assert.Contains(t, resp.Result.Message, tt.want)
		})
	}
}

func ExampleEmailClaimName() {
	// The Lease that claims an address is found from the address, in
	// Options.EmailClaimNamespace (kube-system by default).
	fmt.Println(EmailClaimName("Alice@Example.com"))
	fmt.Println(EmailClaimName("alice@example.com") == EmailClaimName("Alice@Example.com"))
	// Output:
	// user-email-ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976
	// true
}
