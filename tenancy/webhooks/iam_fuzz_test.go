package webhooks

import (
	"context"
	"encoding/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// FuzzEscalationRequest hands the escalation webhook forged and partial
// admission requests: any kind name, operation, user and object bytes. The
// authorizer is built offline from objects and role templates come from the
// controller-runtime fake client (pure logic: nothing here depends on the
// API server). The webhook must not panic, must never allow what the
// offline authorizer says the user cannot grant, and must answer a
// malformed request with a 4xx, never a 5xx.
func FuzzEscalationRequest(f *testing.F) {
	admin := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
	viewer := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "viewer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get"}}}}
	bind := func(n, role string) *iamv1beta1.GlobalRoleBinding {
		return &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: n},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: role}}
	}
	az, err := authz.NewFromObjects(admin, viewer, bind("root", "platform-admin"), bind("bob", "viewer"))
	if err != nil {
		f.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		f.Fatal(err)
	}
	if err := iamv1beta1.AddToScheme(scheme); err != nil {
		f.Fatal(err)
	}
	v := &escalationValidator{az: az, reader: fake.NewClientBuilder().WithScheme(scheme).Build()}

	raw := func(o any) []byte {
		b, err := json.Marshal(o)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add("GlobalRoleBinding", "CREATE", "bob", raw(bind("x", "platform-admin")))
	f.Add("GlobalRoleBinding", "CREATE", "root", raw(bind("x", "platform-admin")))
	f.Add("GlobalRole", "UPDATE", "bob", raw(admin))
	f.Add("WorkspaceRoleBinding", "CREATE", "bob", []byte(`{"metadata":{"labels":{"kubesphere.io/workspace":"a"}},"roleRef":{"kind":"WorkspaceRole","name":"a-admin"}}`))
	f.Add("Role", "CREATE", "bob", []byte(`{"metadata":{"namespace":"n"},"aggregationRoleTemplates":{"roleSelector":{"matchExpressions":[{"key":"a","operator":"Bogus"}]}}}`))
	f.Add("RoleBinding", "CREATE", "", []byte(`{`))
	f.Add("Secret", "DELETE", "bob", []byte(`null`))
	f.Fuzz(func(t *testing.T, kind, op, user string, object []byte) {
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			UID:       "uid",
			Kind:      metav1.GroupVersionKind{Group: iamv1beta1.GroupName, Version: "v1beta1", Kind: kind},
			Operation: admissionv1.Operation(op),
			UserInfo:  authenticationv1.UserInfo{Username: user},
			Object:    runtime.RawExtension{Raw: object},
			OldObject: runtime.RawExtension{Raw: object},
		}}
		resp := v.Handle(context.Background(), req)
		if resp.Allowed {
			// Whatever it was, bob (who holds only get) must not have
			// been allowed to grant platform-admin.
			var b iamv1beta1.GlobalRoleBinding
			if kind == "GlobalRoleBinding" && op == string(admissionv1.Create) && user == "bob" &&
				json.Unmarshal(object, &b) == nil && b.RoleRef.Name == "platform-admin" && b.RoleRef.Kind == "GlobalRole" {
				t.Fatalf("bob was allowed to grant platform-admin: %s", object)
			}
			return
		}
		if resp.Result == nil {
			t.Fatalf("refused without a status")
		}
		if code := resp.Result.Code; code >= 500 {
			t.Fatalf("answered %d for a client's input: %s", code, resp.Result.Message)
		}
	})
}
