package tenancy

import (
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// checkLabelName validates a name that also becomes a label value: a
// DNS-1123 label (workspaces, projects, groups).
func checkLabelName(field, name string) error {
	if name == "" {
		return &InvalidError{Field: field, Reason: "must not be empty"}
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: strings.Join(errs, "; ")}
	}
	return nil
}

// checkUserName validates a user name: at most 63 characters of a DNS-1123
// subdomain, so it fits the user-ref label.
func checkUserName(field, name string) error {
	if name == "" {
		return &InvalidError{Field: field, Reason: "must not be empty"}
	}
	if len(name) > 63 {
		return &InvalidError{Field: field, Reason: "must be at most 63 characters"}
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: strings.Join(errs, "; ")}
	}
	return nil
}

func checkRoleName(field, role string) error {
	if role == "" {
		return &InvalidError{Field: field, Reason: "must not be empty"}
	}
	if errs := validation.IsDNS1123Subdomain(role); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: strings.Join(errs, "; ")}
	}
	return nil
}

// CheckPassword reports whether password is strong enough: 8 to 64
// characters with a lower-case letter, an upper-case letter and a digit,
// KubeSphere's rule (iamv1beta1.PasswordProblem).
func CheckPassword(password string) error {
	if problem := iamv1beta1.PasswordProblem(password); problem != "" {
		return &InvalidError{Field: "password", Reason: problem}
	}
	return nil
}

func checkEmail(email string) error {
	if email == "" {
		return &InvalidError{Field: "email", Reason: "must not be empty"}
	}
	if len(email) > 254 || !emailPattern.MatchString(email) {
		return &InvalidError{Field: "email", Reason: "must be an e-mail address such as someone@example.com"}
	}
	return nil
}
