package storage

import (
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// wildcard in an expression's values matches every value.
const wildcard = "*"

// Selector fields an AccessDeniedError names.
const (
	fieldNamespaceLabels = "spec.namespaceSelector.labelSelector"
	fieldNamespaceFields = "spec.namespaceSelector.fieldSelector"
	fieldWorkspaceLabels = "spec.workspaceSelector.labelSelector"
	fieldWorkspaceFields = "spec.workspaceSelector.fieldSelector"
)

// CheckAccessor reports whether Accessor a lets namespace ns use its
// StorageClass: nil when it does, an *AccessDeniedError naming the selector
// that failed when it does not. ws is the workspace ns belongs to (the
// object its kubesphere.io/workspace label names), nil when it belongs to
// none; the workspace selector then passes.
//
// The rules are storageclass-accessor's: the namespace must pass the
// namespace selector and the workspace the workspace selector. A selector
// passes when its label list and its field list both pass; an empty list
// passes, and a list passes when one of its rules does (rules are ORed).
// A rule passes when all its expressions do. An expression without values
// passes. In needs the value (a label's value, the name, or the namespace's
// phase for Status) among the values, or "*" among them; a label In also
// needs the label present. NotIn needs the value absent from the values and
// no "*"; a label NotIn passes when the label is missing. Status on a
// workspace, which has no phase, passes, as do operators and fields other
// than the ones defined (the CRD admits none).
//
// CheckAccessor reads only its arguments; it is what AccessorIndex
// computes for every Accessor of a class, without the index.
func CheckAccessor(a *storagev1alpha1.Accessor, ns *corev1.Namespace, ws *metav1.ObjectMeta) error {
	sel := a.Spec.NamespaceSelector
	if !fieldRulesPass(sel.FieldSelector, ns.Name, string(ns.Status.Phase), true) {
		return denial(a, ns, ws, fieldNamespaceFields)
	}
	if !labelRulesPass(sel.LabelSelector, ns.Labels) {
		return denial(a, ns, ws, fieldNamespaceLabels)
	}
	if ws == nil {
		return nil
	}
	sel = a.Spec.WorkspaceSelector
	if !fieldRulesPass(sel.FieldSelector, ws.Name, "", false) {
		return denial(a, ns, ws, fieldWorkspaceFields)
	}
	if !labelRulesPass(sel.LabelSelector, ws.Labels) {
		return denial(a, ns, ws, fieldWorkspaceLabels)
	}
	return nil
}

// denial is the refusal of Accessor a by the selector list field.
func denial(a *storagev1alpha1.Accessor, ns *corev1.Namespace, ws *metav1.ObjectMeta, field string) error {
	e := &AccessDeniedError{Accessor: a.Name, StorageClass: a.Spec.StorageClassName, Namespace: ns.Name, Field: field}
	if ws != nil {
		e.Workspace = ws.Name
	}
	switch field {
	case fieldNamespaceFields:
		e.Reason = fmt.Sprintf("namespace %q (phase %q) matches none of its %d rules", ns.Name, ns.Status.Phase, len(a.Spec.NamespaceSelector.FieldSelector))
	case fieldNamespaceLabels:
		e.Reason = fmt.Sprintf("the labels of namespace %q match none of its %d rules", ns.Name, len(a.Spec.NamespaceSelector.LabelSelector))
	case fieldWorkspaceFields:
		e.Reason = fmt.Sprintf("workspace %q matches none of its %d rules", ws.Name, len(a.Spec.WorkspaceSelector.FieldSelector))
	case fieldWorkspaceLabels:
		e.Reason = fmt.Sprintf("the labels of workspace %q match none of its %d rules", ws.Name, len(a.Spec.WorkspaceSelector.LabelSelector))
	}
	return e
}

func labelRulesPass(rules []storagev1alpha1.LabelRule, labels map[string]string) bool {
	if len(rules) == 0 {
		return true
	}
	for _, r := range rules {
		if labelRulePasses(r, labels) {
			return true
		}
	}
	return false
}

func labelRulePasses(r storagev1alpha1.LabelRule, labels map[string]string) bool {
	for _, e := range r.MatchExpressions {
		if len(e.Values) == 0 {
			continue
		}
		v, present := labels[e.Key]
		switch e.Operator {
		case storagev1alpha1.In:
			if !present || (!slices.Contains(e.Values, wildcard) && !slices.Contains(e.Values, v)) {
				return false
			}
		case storagev1alpha1.NotIn:
			if present && (slices.Contains(e.Values, wildcard) || slices.Contains(e.Values, v)) {
				return false
			}
		}
	}
	return true
}

// fieldRulesPass evaluates field rules on an object named name; phase is
// its Status, read only when hasPhase (namespaces).
func fieldRulesPass(rules []storagev1alpha1.FieldRule, name, phase string, hasPhase bool) bool {
	if len(rules) == 0 {
		return true
	}
	for _, r := range rules {
		if fieldRulePasses(r, name, phase, hasPhase) {
			return true
		}
	}
	return false
}

func fieldRulePasses(r storagev1alpha1.FieldRule, name, phase string, hasPhase bool) bool {
	for _, e := range r.FieldExpressions {
		if len(e.Values) == 0 {
			continue
		}
		var v string
		switch {
		case e.Field == storagev1alpha1.FieldName:
			v = name
		case e.Field == storagev1alpha1.FieldStatus && hasPhase:
			v = phase
		default:
			continue
		}
		switch e.Operator {
		case storagev1alpha1.In:
			if !slices.Contains(e.Values, wildcard) && !slices.Contains(e.Values, v) {
				return false
			}
		case storagev1alpha1.NotIn:
			if slices.Contains(e.Values, wildcard) || slices.Contains(e.Values, v) {
				return false
			}
		}
	}
	return true
}

// AccessorIndex answers admission questions over a fixed set of Accessors
// without scanning them all: Accessors are grouped by class and their
// values compiled into sets, so a decision costs what the class's own
// Accessors cost, whatever the number of classes, Accessors or values. It
// gives the same answers as CheckAccessor on each of the class's Accessors
// in name order. An AccessorIndex is immutable and safe for concurrent use;
// build a new one when Accessors change.
type AccessorIndex struct {
	byClass map[string][]*compiledAccessor
}

type compiledAccessor struct {
	src      *storagev1alpha1.Accessor
	nsLabels [][]compiledExpr
	nsFields [][]compiledExpr
	wsLabels [][]compiledExpr
	wsFields [][]compiledExpr
}

// compiledExpr is one expression with values: key is the label key, or
// the field for a field expression.
type compiledExpr struct {
	key      string
	field    storagev1alpha1.Field
	notIn    bool
	wildcard bool
	values   map[string]struct{}
}

func (e *compiledExpr) has(v string) bool {
	if e.wildcard {
		return true
	}
	_, ok := e.values[v]
	return ok
}

// NewAccessorIndex indexes accessors, which it keeps (read only) for the
// errors it returns.
func NewAccessorIndex(accessors []storagev1alpha1.Accessor) *AccessorIndex {
	x := &AccessorIndex{byClass: map[string][]*compiledAccessor{}}
	for i := range accessors {
		a := &accessors[i]
		c := &compiledAccessor{src: a,
			nsLabels: compileLabels(a.Spec.NamespaceSelector.LabelSelector),
			nsFields: compileFields(a.Spec.NamespaceSelector.FieldSelector, true),
			wsLabels: compileLabels(a.Spec.WorkspaceSelector.LabelSelector),
			wsFields: compileFields(a.Spec.WorkspaceSelector.FieldSelector, false),
		}
		x.byClass[a.Spec.StorageClassName] = append(x.byClass[a.Spec.StorageClassName], c)
	}
	for _, list := range x.byClass {
		sort.SliceStable(list, func(i, j int) bool { return list[i].src.Name < list[j].src.Name })
	}
	return x
}

// compileLabels compiles label rules; a rule left with no expression
// passes everything, and so does its list (nil is returned: an empty list
// passes too).
func compileLabels(rules []storagev1alpha1.LabelRule) [][]compiledExpr {
	out := make([][]compiledExpr, 0, len(rules))
	for _, r := range rules {
		var exprs []compiledExpr
		for _, e := range r.MatchExpressions {
			if len(e.Values) == 0 || (e.Operator != storagev1alpha1.In && e.Operator != storagev1alpha1.NotIn) {
				continue
			}
			exprs = append(exprs, compile(e.Key, "", e.Operator, e.Values))
		}
		if len(exprs) == 0 {
			return nil
		}
		out = append(out, exprs)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func compileFields(rules []storagev1alpha1.FieldRule, hasPhase bool) [][]compiledExpr {
	out := make([][]compiledExpr, 0, len(rules))
	for _, r := range rules {
		var exprs []compiledExpr
		for _, e := range r.FieldExpressions {
			if len(e.Values) == 0 || (e.Operator != storagev1alpha1.In && e.Operator != storagev1alpha1.NotIn) {
				continue
			}
			if e.Field != storagev1alpha1.FieldName && (e.Field != storagev1alpha1.FieldStatus || !hasPhase) {
				continue
			}
			exprs = append(exprs, compile("", e.Field, e.Operator, e.Values))
		}
		if len(exprs) == 0 {
			return nil
		}
		out = append(out, exprs)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func compile(key string, field storagev1alpha1.Field, op storagev1alpha1.Operator, values []string) compiledExpr {
	e := compiledExpr{key: key, field: field, notIn: op == storagev1alpha1.NotIn, values: make(map[string]struct{}, len(values))}
	for _, v := range values {
		if v == wildcard {
			e.wildcard = true
		}
		e.values[v] = struct{}{}
	}
	return e
}

func labelsPass(rules [][]compiledExpr, labels map[string]string) bool {
	if rules == nil {
		return true
	}
rules:
	for _, exprs := range rules {
		for i := range exprs {
			e := &exprs[i]
			v, present := labels[e.key]
			if e.notIn {
				if present && e.has(v) {
					continue rules
				}
			} else if !present || !e.has(v) {
				continue rules
			}
		}
		return true
	}
	return false
}

func fieldsPass(rules [][]compiledExpr, name, phase string) bool {
	if rules == nil {
		return true
	}
rules:
	for _, exprs := range rules {
		for i := range exprs {
			e := &exprs[i]
			v := name
			if e.field == storagev1alpha1.FieldStatus {
				v = phase
			}
			if e.has(v) == !e.notIn {
				continue
			}
			continue rules
		}
		return true
	}
	return false
}

// Restricted reports whether class has Accessors.
func (x *AccessorIndex) Restricted(class string) bool { return len(x.byClass[class]) > 0 }

// Check reports whether namespace ns, in workspace ws (nil when none), may
// use class: nil when every Accessor of the class lets it (or the class has
// none), else the *AccessDeniedError of the first Accessor by name that
// does not.
func (x *AccessorIndex) Check(class string, ns *corev1.Namespace, ws *metav1.ObjectMeta) error {
	for _, c := range x.byClass[class] {
		switch {
		case !fieldsPass(c.nsFields, ns.Name, string(ns.Status.Phase)):
			return denial(c.src, ns, ws, fieldNamespaceFields)
		case !labelsPass(c.nsLabels, ns.Labels):
			return denial(c.src, ns, ws, fieldNamespaceLabels)
		case ws == nil:
		case !fieldsPass(c.wsFields, ws.Name, ""):
			return denial(c.src, ns, ws, fieldWorkspaceFields)
		case !labelsPass(c.wsLabels, ws.Labels):
			return denial(c.src, ns, ws, fieldWorkspaceLabels)
		}
	}
	return nil
}
