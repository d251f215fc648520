package condition

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// segment is one step of a field path: a key, and optionally a subscript
// of the array under it (all, or the elements [from, to)).
type segment struct {
	key       string
	subscript bool
	all       bool
	from, to  int // to < 0: to the end
}

type path struct {
	text     string
	segments []segment
}

func parsePath(t token) (path, error) {
	p := path{text: t.text}
	for _, part := range strings.Split(strings.TrimSuffix(t.text, "."), ".") {
		key, sub, hasSub := strings.Cut(part, "[")
		if key == "" {
			return path{}, &SyntaxError{Offset: t.offset, Reason: fmt.Sprintf("field %s has an empty segment", t.text)}
		}
		s := segment{key: key}
		if hasSub {
			inner, ok := strings.CutSuffix(sub, "]")
			if !ok || strings.Contains(inner, "]") {
				return path{}, &SyntaxError{Offset: t.offset, Reason: fmt.Sprintf("field %s has a bad subscript", t.text)}
			}
			s.subscript = true
			if err := s.parseSubscript(inner); err != nil {
				return path{}, &SyntaxError{Offset: t.offset, Reason: fmt.Sprintf("field %s: %v", t.text, err)}
			}
		}
		p.segments = append(p.segments, s)
	}
	return p, nil
}

func (s *segment) parseSubscript(inner string) error {
	if inner == "*" {
		s.all = true
		return nil
	}
	index := func(x string, empty int) (int, error) {
		if x == "" {
			return empty, nil
		}
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 || strings.HasPrefix(x, "+") {
			return 0, fmt.Errorf("subscript %q is not *, an index or a range", inner)
		}
		return n, nil
	}
	fromText, toText, isRange := strings.Cut(inner, ":")
	var err error
	if s.from, err = index(fromText, 0); err != nil {
		return err
	}
	if !isRange {
		if fromText == "" {
			return fmt.Errorf("subscript %q is not *, an index or a range", inner)
		}
		s.to = s.from + 1
		return nil
	}
	if s.to, err = index(toText, -1); err != nil {
		return err
	}
	if s.to >= 0 && s.to < s.from {
		return fmt.Errorf("range %q ends before it starts", inner)
	}
	return nil
}

// values are what the path selects in doc: one value without subscripts,
// each selected element's with them. A missing key selects nothing.
func (p path) values(doc any) []any {
	cur := []any{doc}
	for _, s := range p.segments {
		var next []any
		for _, v := range cur {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			child, ok := m[s.key]
			if !ok || child == nil {
				continue
			}
			if !s.subscript {
				next = append(next, child)
				continue
			}
			arr, ok := child.([]any)
			if !ok {
				continue
			}
			from, to := s.from, s.to
			if s.all || to < 0 || to > len(arr) {
				to = len(arr)
			}
			if s.all {
				from = 0
			}
			for i := from; i < to; i++ {
				if arr[i] != nil {
					next = append(next, arr[i])
				}
			}
		}
		cur = next
	}
	return cur
}

// scalars are the path's values that are not objects: what comparisons
// see (KubeSphere compares the leaves of the flattened document).
func (p path) scalars(doc any) []any {
	var out []any
	for _, v := range p.values(doc) {
		if _, isObject := v.(map[string]any); !isObject {
			out = append(out, v)
		}
	}
	return out
}

// any reports whether f holds for some scalar of the path, stopping at the
// first error.
func (p path) any(doc any, f func(any) (bool, error)) (bool, error) {
	for _, v := range p.scalars(doc) {
		ok, err := f(v)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

type node interface {
	eval(doc any) (bool, error)
}

type logical struct {
	and         bool
	left, right node
}

func (n *logical) eval(doc any) (bool, error) {
	l, err := n.left.eval(doc)
	if err != nil {
		return false, err
	}
	if l != n.and { // false and ..., true or ...
		return l, nil
	}
	return n.right.eval(doc)
}

type not struct{ inner node }

func (n *not) eval(doc any) (bool, error) {
	v, err := n.inner.eval(doc)
	return !v && err == nil, err
}

type compare struct {
	path  path
	op    string
	value token
}

func (n *compare) eval(doc any) (bool, error) {
	return n.path.any(doc, func(v any) (bool, error) {
		if n.value.kind == tokString {
			c := strings.Compare(text(v), n.value.value())
			return holds(n.op, c), nil
		}
		want, err := strconv.ParseFloat(n.value.text, 64)
		if err != nil {
			return false, &EvalError{Field: n.path.text, Reason: fmt.Sprintf("%s is not a number", n.value.text)}
		}
		got, err := strconv.ParseFloat(text(v), 64)
		if err != nil {
			return false, &EvalError{Field: n.path.text, Reason: fmt.Sprintf("%q is not a number", text(v))}
		}
		c := 0
		switch {
		case got < want:
			c = -1
		case got > want:
			c = 1
		}
		return holds(n.op, c), nil
	})
}

func holds(op string, c int) bool {
	switch op {
	case "=", "==":
		return c == 0
	case "!=":
		return c != 0
	case ">":
		return c > 0
	case "<":
		return c < 0
	case ">=":
		return c >= 0
	}
	return c <= 0 // <=
}

type boolCompare struct {
	path   path
	want   bool
	negate bool
}

func (n *boolCompare) eval(doc any) (bool, error) {
	return n.path.any(doc, func(v any) (bool, error) {
		b, err := strconv.ParseBool(text(v))
		if err != nil {
			return false, &EvalError{Field: n.path.text, Reason: fmt.Sprintf("%q is not a boolean", text(v))}
		}
		return (b == n.want) != n.negate, nil
	})
}

type contains struct {
	path   path
	text   string
	negate bool
}

func (n *contains) eval(doc any) (bool, error) {
	return n.path.any(doc, func(v any) (bool, error) {
		return strings.Contains(text(v), n.text) != n.negate, nil
	})
}

type in struct {
	path   path
	values []string
	negate bool
}

func (n *in) eval(doc any) (bool, error) {
	return n.path.any(doc, func(v any) (bool, error) {
		s := text(v)
		found := false
		for _, w := range n.values {
			found = found || s == w
		}
		return found != n.negate, nil
	})
}

type match struct {
	path   path
	re     *regexp.Regexp
	negate bool
}

func (n *match) eval(doc any) (bool, error) {
	return n.path.any(doc, func(v any) (bool, error) {
		return n.re.MatchString(text(v)) != n.negate, nil
	})
}

type exists struct {
	path   path
	negate bool
}

func (n *exists) eval(doc any) (bool, error) {
	found := false
	for _, v := range n.path.values(doc) {
		found = found || hasLeaf(v)
	}
	return found != n.negate, nil
}

// hasLeaf reports whether v is a value or an array, or an object holding
// one: an object whose fields are all null or empty objects does not
// exist, as in KubeSphere's flattened documents.
func hasLeaf(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return v != nil
	}
	for _, c := range m {
		if hasLeaf(c) {
			return true
		}
	}
	return false
}

type variable struct{ path path }

func (n *variable) eval(doc any) (bool, error) {
	return n.path.any(doc, func(v any) (bool, error) {
		b, err := strconv.ParseBool(text(v))
		if err != nil {
			return false, &EvalError{Field: n.path.text, Reason: fmt.Sprintf("%q is not a boolean", text(v))}
		}
		return b, nil
	})
}
