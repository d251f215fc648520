package notification

import (
	"fmt"
	"regexp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Matches reports whether labels satisfy sel, as notification-manager
// decides: matchLabels and matchExpressions ANDed, In, NotIn, Exists and
// DoesNotExist as in Kubernetes, and Match a regular expression on the
// label's value (unanchored, so ^ and $ are the pattern's to add). A nil
// selector matches everything; no labels match nothing. A selector
// ValidateSelector refuses is an *InvalidError.
func Matches(sel *notificationv2beta2.LabelSelector, lbls map[string]string) (bool, error) {
	if sel == nil {
		return true, nil
	}
	if lbls == nil {
		return false, nil
	}
	k8s, patterns, err := compile(sel, "selector")
	if err != nil {
		return false, err
	}
	for _, p := range patterns {
		if !p.re.MatchString(lbls[p.key]) {
			return false, nil
		}
	}
	return k8s.Matches(labels.Set(lbls)), nil
}

// ValidateSelector checks sel, naming field (such as
// spec.alertSelector) in the *InvalidError it returns.
func ValidateSelector(sel *notificationv2beta2.LabelSelector, field string) error {
	if sel == nil {
		return nil
	}
	_, _, err := compile(sel, field)
	return err
}

// pattern is a Match requirement: key's value must match re.
type pattern struct {
	key string
	re  *regexp.Regexp
}

// compile splits sel into a Kubernetes selector and its Match
// requirements.
func compile(sel *notificationv2beta2.LabelSelector, field string) (labels.Selector, []pattern, error) {
	k8s := &metav1.LabelSelector{MatchLabels: sel.MatchLabels}
	var patterns []pattern
	for i, r := range sel.MatchExpressions {
		if r.Operator != notificationv2beta2.LabelSelectorOpMatch {
			k8s.MatchExpressions = append(k8s.MatchExpressions, metav1.LabelSelectorRequirement{Key: r.Key, Operator: metav1.LabelSelectorOperator(r.Operator), Values: r.Values})
			continue
		}
		re, err := regexp.Compile(r.RegexValue)
		if err != nil {
			return nil, nil, &InvalidError{Field: fmt.Sprintf("%s.matchExpressions[%d].regexValue", field, i), Reason: err.Error(), Err: err}
		}
		patterns = append(patterns, pattern{key: r.Key, re: re})
	}
	s, err := metav1.LabelSelectorAsSelector(k8s)
	if err != nil {
		return nil, nil, &InvalidError{Field: field, Reason: err.Error(), Err: err}
	}
	return s, patterns, nil
}
