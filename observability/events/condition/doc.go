// Package condition is the condition language of KubeSphere's event rules
// (kube-events' events.kubesphere.io/v1alpha1 Rule, spec.rules[].condition):
// a boolean expression over the fields of an event's JSON, such as
//
//	type="Warning" and involvedObject.kind="Pod" and reason="BackOff" and count>3
//
// Parse reads a condition, refusing a bad one with a *SyntaxError that
// says where; Condition.Match evaluates it against a decoded JSON document.
//
// The language, as KubeSphere's event-rule-engine defines it:
//
//   - A field is a dotted path into the document (metadata.name,
//     involvedObject.kind); a segment may carry an array subscript: [3]
//     one element, [*] any element, [1:3] or [:2] or [2:] any element of
//     a range (end excluded).
//   - Comparisons: field = == != > < >= <= with a "string" (compared as
//     text) or a number (compared as numbers); field = != with a boolean
//     (true, True, TRUE, false, False, FALSE); field contains or not
//     contains "text"; field in or not in ("a", "b", 3); field like or not
//     like "pattern" (* any text, ? one character); field regex or not
//     regex "expression" (Go's RE2 syntax); field exists or not exists; a
//     field alone is true when it holds true, and not field or !field when
//     it holds false.
//   - and and or have the same precedence and group from the left, so
//     a or b and c is (a or b) and c; not (or !) applies to everything
//     after it, so not a and b is not (a and b); parentheses group.
//   - Like and regex match anywhere in the value unless the pattern
//     anchors itself (^...$), as KubeSphere's do.
//   - A comparison with a field the document lacks is false, whatever the
//     operator (not in and not contains included); so is a comparison
//     with an object.
//
// Where KubeSphere's engine panics at evaluation (a number compared with
// text that is not a number, a field alone that is not a boolean), Match
// returns an *EvalError and the condition does not hold. Strings may
// escape a quote or a backslash with a backslash; unlike KubeSphere, the
// escapes are undone before comparing.
package condition
