package authz

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The matching below follows upstream Kubernetes RBAC rule by rule, so a
// rule means the same here as in the API server.

func hasOrWildcard(list []string, v string) bool {
	for _, s := range list {
		if s == v || s == rbacv1.VerbAll {
			return true
		}
	}
	return false
}

func verbMatches(r *rbacv1.PolicyRule, verb string) bool { return hasOrWildcard(r.Verbs, verb) }

// nonResourceVerbMatches matches the verb of a non-resource request
// without regard to case: Kubernetes writes these verbs in lower case
// ("get") and KubeSphere's shipped roles in upper case ("GET", the HTTP
// method its request parser passes); a rule means the same either way.
func nonResourceVerbMatches(r *rbacv1.PolicyRule, verb string) bool {
	for _, s := range r.Verbs {
		if s == rbacv1.VerbAll || strings.EqualFold(s, verb) {
			return true
		}
	}
	return false
}

func apiGroupMatches(r *rbacv1.PolicyRule, group string) bool {
	return hasOrWildcard(r.APIGroups, group)
}

// resourceMatches matches resource and subresource against the rule's
// resources: "*", "resource", "resource/subresource" and "*/subresource".
func resourceMatches(r *rbacv1.PolicyRule, resource, subresource string) bool {
	for _, rr := range r.Resources {
		if rr == rbacv1.ResourceAll {
			return true
		}
		if subresource == "" {
			if rr == resource {
				return true
			}
			continue
		}
		// rr == resource + "/" + subresource without building the string.
		if len(rr) == len(resource)+1+len(subresource) && strings.HasPrefix(rr, resource) &&
			rr[len(resource)] == '/' && strings.HasSuffix(rr, subresource) {
			return true
		}
		if len(rr) == len(subresource)+2 && strings.HasPrefix(rr, "*/") && strings.HasSuffix(rr, subresource) {
			return true
		}
	}
	return false
}

func resourceNameMatches(r *rbacv1.PolicyRule, name string) bool {
	if len(r.ResourceNames) == 0 {
		return true
	}
	for _, n := range r.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

func nonResourceURLMatches(r *rbacv1.PolicyRule, path string) bool {
	for _, u := range r.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// ruleAllows reports whether r allows a.
func ruleAllows(r *rbacv1.PolicyRule, a *Attributes) bool {
	if a.NonResourcePath != "" {
		return nonResourceVerbMatches(r, a.Verb) && nonResourceURLMatches(r, a.NonResourcePath)
	}
	return verbMatches(r, a.Verb) && apiGroupMatches(r, a.APIGroup) &&
		resourceMatches(r, a.Resource, a.Subresource) && resourceNameMatches(r, a.Name)
}

// ruleDiffers lists what keeps r from allowing a.
func ruleDiffers(r *rbacv1.PolicyRule, a *Attributes) []string {
	var d []string
	if a.NonResourcePath != "" {
		if !nonResourceVerbMatches(r, a.Verb) {
			d = append(d, "verb")
		}
		if !nonResourceURLMatches(r, a.NonResourcePath) {
			d = append(d, "nonResourceURL")
		}
		return d
	}
	if !verbMatches(r, a.Verb) {
		d = append(d, "verb")
	}
	if len(r.Resources) == 0 {
		// A non-resource rule never allows a resource request.
		return append(d, "resource")
	}
	if !apiGroupMatches(r, a.APIGroup) {
		d = append(d, "apiGroup")
	}
	if !resourceMatches(r, a.Resource, a.Subresource) {
		d = append(d, "resource")
	}
	if !resourceNameMatches(r, a.Name) {
		d = append(d, "resourceName")
	}
	return d
}
